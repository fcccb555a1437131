import { Ledger } from "@gantry/contracts/billing";
import { decode } from "@gantry/platform/codec";
import { listKeys } from "@gantry/platform/kv-keys";
import { z } from "zod";
import type { Context } from "../context.ts";
import { buildTimeline, TimelineQuery } from "../core/timeline.ts";
import { parseLedgerKey, periodOf, summarizeLedgers, type UsageSummary } from "../core/usage.ts";
import { adminProcedure, router } from "../trpc.ts";

export const PeriodInput = z
  .object({
    /** `YYYY-MM`; the current billing period when left out. */
    period: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
      .optional(),
  })
  .default({});

/** Ledgers straight from the `ledger` bucket: all of one period, optionally of one account. */
async function ledgers(ctx: Context, period: string, account?: string): Promise<Ledger[]> {
  const out: Ledger[] = [];
  for (const key of await listKeys(ctx.buckets.ledger, account ? `${account}.${period}` : `*.${period}`)) {
    if (!parseLedgerKey(key)) continue;
    const e = await ctx.buckets.ledger.get(key);
    if (e?.operation !== "PUT") continue;
    try {
      out.push(decode(Ledger, e.value, "ledger"));
    } catch (err) {
      ctx.log.warn("unreadable ledger", { key, err: String(err) });
    }
  }
  return out;
}

/** Spend of a period by hardware, model and account (one account's when given). */
export async function usageSummary(ctx: Context, period: string | undefined, account?: string): Promise<UsageSummary> {
  const p = period ?? periodOf(ctx.now());
  return summarizeLedgers(p, await ledgers(ctx, p, account));
}

/** Periods that have ledgers, newest first. */
async function periods(ctx: Context): Promise<string[]> {
  const seen = new Set<string>();
  for (const key of await listKeys(ctx.buckets.ledger)) {
    const k = parseLedgerKey(key);
    if (k) seen.add(k.period);
  }
  return [...seen].sort().reverse();
}

export const usageRouter = router({
  periods: adminProcedure.query(({ ctx }) => periods(ctx)),
  /** Spend of a billing period by hardware, model and account, from the ledgers. */
  summary: adminProcedure.input(PeriodInput).query(({ ctx, input }) => usageSummary(ctx, input.period)),
  /** Spend over time (from billed line items), grouped by hardware, model or account. */
  timeline: adminProcedure.input(TimelineQuery.extend({ account: z.string().optional() })).query(({ ctx, input }) => {
    const points = [...ctx.spend.points()].filter((p) => !input.account || p.account === input.account);
    return buildTimeline(points, input, ctx.now().getTime());
  }),
});
