import { randomBytes } from "node:crypto";
import type { KV } from "@nats-io/kv";
import { SIGNING_SECRET_KEY } from "./secret-keys.ts";

/**
 * Creates the shared URL-signing key in the `accounts` bucket unless it exists (`kv.create`:
 * exactly one wins). Part of provisioning, so services only ever read it.
 */
export async function createSigningSecret(kv: KV): Promise<void> {
  const existing = await kv.get(SIGNING_SECRET_KEY);
  if (existing?.operation === "PUT") return;
  try {
    await kv.create(SIGNING_SECRET_KEY, randomBytes(32).toString("base64url"));
  } catch {
    // created by someone else first
  }
}

/**
 * The key gateways sign URLs with (and agents sign output URLs with). Taken from configuration
 * when given; otherwise the one provisioning created in the `accounts` bucket, so a URL signed by
 * one gateway is accepted by all.
 */
export async function signingSecret(kv: KV, configured?: string): Promise<string> {
  if (configured) return configured;
  const existing = await kv.get(SIGNING_SECRET_KEY);
  if (existing?.operation === "PUT") return existing.string();
  // A topology provisioned before the secret was part of it: an identity allowed to creates it.
  await createSigningSecret(kv).catch(() => undefined);
  const entry = await kv.get(SIGNING_SECRET_KEY);
  if (entry?.operation !== "PUT") throw new Error("could not read the signing secret: provision the topology");
  return entry.string();
}
