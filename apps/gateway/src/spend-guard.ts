import { type BillingQuery, formatUsd, Ledger } from "@gantry/contracts/billing";
import { AppError } from "@gantry/contracts/errors";
import { subjects } from "@gantry/contracts/subjects";
import { decode, encode } from "@gantry/platform/codec";
import { getSpendLimit } from "@gantry/platform/spend-limits";
import type { NatsConnection } from "@nats-io/nats-core";
import type { GatewayDeps } from "./deps.ts";
import { TtlCache } from "./ttl-cache.ts";

/** The current billing period: the calendar month in UTC, `YYYY-MM`. */
export const currentPeriod = (now: Date) => now.toISOString().slice(0, 7);

/**
 * Asks billing for an account's ledger of one period (`billing.v1.usage`). No answer (billing not
 * running, or too slow) is an `UNAVAILABLE` AppError; an error billing reports keeps its status.
 */
export async function requestLedger(nc: NatsConnection, query: BillingQuery, timeoutMs = 2000): Promise<Ledger> {
  let reply: Awaited<ReturnType<NatsConnection["request"]>>;
  try {
    reply = await nc.request(subjects.billingUsage(), encode(query), { timeout: timeoutMs });
  } catch (cause) {
    throw new AppError("UNAVAILABLE", "Billing is not answering right now; try again shortly.", { cause });
  }
  const code = reply.headers?.get("Nats-Service-Error-Code");
  if (code) {
    const text = reply.headers?.get("Nats-Service-Error") ?? "billing failed";
    throw new AppError(code === "400" ? "BAD_REQUEST" : "UNAVAILABLE", text, { expected: code === "400" });
  }
  return decode(Ledger, reply.data, "billing ledger");
}

interface SpendState {
  limitNano: number;
  /** `null` when billing could not be asked: the check lets predictions through. */
  spentNano: number | null;
}

/** Per gateway: limits and spend are read at most once per `cacheTtlMs` per account. */
const caches = new WeakMap<GatewayDeps, TtlCache<SpendState | null>>();

/** Detail of the 402, worded like Replicate's "Billing required" (reference §1.3). */
export const spendLimitDetail = (limitNano: number, period: string) =>
  `You have reached your spend limit of $${formatUsd(limitNano)} for this billing period (${period}). ` +
  "Ask an administrator to raise it, or wait for the next billing period. " +
  "If your limit was raised recently, please wait a few minutes before trying again.";

/**
 * Refuses a new prediction with 402 when the account has a spend limit and this period's spend has
 * reached it. Accounts without a limit cost one cached KV read. If billing cannot be asked, the
 * prediction is allowed (and logged): an outage of billing must not stop the platform.
 */
export async function checkSpend(deps: GatewayDeps, accountId: string): Promise<void> {
  let cache = caches.get(deps);
  if (!cache) {
    cache = new TtlCache(deps.cacheTtlMs ?? 2000, () => deps.now().getTime());
    caches.set(deps, cache);
  }
  const period = currentPeriod(deps.now());
  const state = await cache.get(`${accountId}.${period}`, async () => {
    const limit = await getSpendLimit(deps.buckets.accounts, accountId);
    if (!limit) return null;
    try {
      const ledger = await requestLedger(deps.nc, { account_id: accountId, period }, 500);
      return { limitNano: limit.limit_nano, spentNano: ledger.total_nano };
    } catch (err) {
      deps.log.warn("spend limit not checked: billing did not answer", { account_id: accountId, err: String(err) });
      return { limitNano: limit.limit_nano, spentNano: null };
    }
  });
  if (state && state.spentNano !== null && state.spentNano >= state.limitNano) {
    throw new AppError("PAYMENT_REQUIRED", spendLimitDetail(state.limitNano, period));
  }
}
