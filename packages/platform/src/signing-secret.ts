import { randomBytes } from "node:crypto";
import type { KV } from "@nats-io/kv";

const KEY = "signing-secret";

/**
 * The key gateways sign URLs with. Taken from configuration when given; otherwise the first
 * gateway to start creates one in the `accounts` bucket (`kv.create`: exactly one wins) and every
 * gateway uses it, so a URL signed by one is accepted by all.
 */
export async function signingSecret(kv: KV, configured?: string): Promise<string> {
  if (configured) return configured;
  const existing = await kv.get(KEY);
  if (existing?.operation === "PUT") return existing.string();
  try {
    await kv.create(KEY, randomBytes(32).toString("base64url"));
  } catch {
    // another gateway created it first
  }
  const entry = await kv.get(KEY);
  if (!entry) throw new Error("could not read the signing secret");
  return entry.string();
}
