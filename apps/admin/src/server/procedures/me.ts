import { buildTimeline, TimelineQuery } from "../core/timeline.ts";
import { router, userProcedure } from "../trpc.ts";
import { QueueHistory } from "./queues.ts";
import { PeriodInput, usageSummary } from "./usage.ts";

/**
 * The dashboard's procedures, for a platform user by API token (not the admin token): their own
 * account, spend and spend over time, and the platform's queue depth.
 */
export const meRouter = router({
  account: userProcedure.query(({ ctx }) => ctx.account),

  /** Usage for the billing period (the current one by default), in dollars. */
  usage: userProcedure.input(PeriodInput).query(({ ctx, input }) => usageSummary(ctx, input.period, ctx.account.id)),

  /** This account's spend over time, by hardware (or model). */
  timeline: userProcedure.input(TimelineQuery).query(({ ctx, input }) => {
    const points = [...ctx.spend.points()].filter((p) => p.account === ctx.account.id);
    return buildTimeline(points, input, ctx.now().getTime());
  }),

  /** How deep the queues have been: what a wait for a cold model may look like. */
  queueHistory: userProcedure
    .input(QueueHistory)
    .query(({ ctx, input }) => ctx.queues.history(ctx.now().getTime() - input.minutes * 60_000)),
});
