import { SpendLimit } from "@gantry/contracts/billing";
import { AppError } from "@gantry/contracts/errors";
import { AccountId } from "@gantry/contracts/ids";
import type { KV } from "@nats-io/kv";
import { decode, encode } from "./codec.ts";

/** Key of an account's monthly spend limit in the `accounts` bucket. */
export const spendLimitKey = (accountId: string) => `spend-limit.${accountId}`;

/**
 * Admin: sets an account's spend limit per billing period (calendar month, UTC), in integer
 * nano-dollars (`$50` = `50_000_000_000`), or removes it with `null`. The gateway refuses new
 * predictions with 402 once the period's spend reaches it.
 *
 * @example await setSpendLimit(buckets.accounts, "alice", 50 * NANO_DOLLARS_PER_DOLLAR);
 */
export async function setSpendLimit(
  accounts: KV,
  accountId: string,
  limitNano: number | null,
  now: Date = new Date(),
): Promise<SpendLimit | null> {
  if (!AccountId.safeParse(accountId).success) throw new AppError("BAD_REQUEST", `${accountId} is not an account id`);
  if (limitNano === null) {
    await accounts.delete(spendLimitKey(accountId));
    return null;
  }
  const parsed = SpendLimit.safeParse({ limit_nano: limitNano, updated_at: now.toISOString() });
  if (!parsed.success)
    throw new AppError("BAD_REQUEST", "A spend limit is a whole, non-negative number of nano-dollars.");
  await accounts.put(spendLimitKey(accountId), encode(parsed.data));
  return parsed.data;
}

/** The account's spend limit, or `null` when it has none. */
export async function getSpendLimit(accounts: KV, accountId: string): Promise<SpendLimit | null> {
  const entry = await accounts.get(spendLimitKey(accountId));
  return entry?.operation === "PUT" ? decode(SpendLimit, entry.value, "spend limit") : null;
}
