import type { KV } from "@nats-io/kv";
import { webhookSecretKey } from "./secret-keys.ts";

const key = webhookSecretKey;

/**
 * The account's webhook signing secret, `whsec_<base64 of 32 random bytes>` (reference §6.2),
 * created on first use; `kv.create` makes racing gateways agree on one.
 */
export async function webhookSecret(kv: KV, accountId: string): Promise<string> {
  const existing = await kv.get(key(accountId));
  if (existing?.operation === "PUT") return existing.string();
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const secret = `whsec_${btoa(String.fromCharCode(...bytes))}`;
  await kv.create(key(accountId), secret).catch(() => {});
  return (await kv.get(key(accountId)))?.string() ?? secret;
}
