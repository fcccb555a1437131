/** Keys of the platform's secrets in the `accounts` bucket (pure: NATS permissions are granted per key). */

/** The shared URL-signing key: created by provisioning, read by gateways and agents. */
export const SIGNING_SECRET_KEY = "signing-secret";

/** An account's webhook signing secret (`>`: all of them). */
export const webhookSecretKey = (accountId: string) => `webhook-secret.${accountId}`;
