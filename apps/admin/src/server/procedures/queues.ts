import { z } from "zod";
import { queueViews } from "../core/queues.ts";
import { adminProcedure, router } from "../trpc.ts";

/** Queue-depth samples since `minutes` ago. */
export const QueueHistory = z
  .object({
    minutes: z
      .number()
      .min(1)
      .max(24 * 60)
      .default(60),
  })
  .default({ minutes: 60 });

export const queuesRouter = router({
  /** Depth per hardware SKU and the oldest waiting prediction's wait; the scheduler's consumer state. */
  list: adminProcedure.query(async ({ ctx }) => {
    const snap = await ctx.queues.snapshot();
    return { queues: queueViews(snap.depth, snap.oldest, ctx.now()), consumer: snap.consumer };
  }),

  /** Sampled depth per SKU over time (for the chart). */
  history: adminProcedure
    .input(QueueHistory)
    .query(({ ctx, input }) => ctx.queues.history(ctx.now().getTime() - input.minutes * 60_000)),
});
