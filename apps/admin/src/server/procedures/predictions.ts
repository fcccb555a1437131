import { AppError, NOT_FOUND_DETAIL } from "@gantry/contracts/errors";
import { PredictionChanged } from "@gantry/contracts/events";
import { PredictionId } from "@gantry/contracts/ids";
import { isTerminal, type PredictionRecord } from "@gantry/contracts/prediction";
import { subjects } from "@gantry/contracts/subjects";
import { WebhookDeliveryLog } from "@gantry/contracts/webhooks";
import { cancelPrediction } from "@gantry/platform/cancel-prediction";
import { decode } from "@gantry/platform/codec";
import { listKeys } from "@gantry/platform/kv-keys";
import { tracked } from "@trpc/server";
import { z } from "zod";
import type { Context } from "../context.ts";
import {
  cursorOf,
  detail,
  type IndexPosition,
  matches,
  PredictionSearch,
  parseIndexKey,
  selectPositions,
  summarize,
} from "../core/predictions.ts";
import { adminProcedure, router } from "../trpc.ts";

/** Records read per search at most: a rare filter over a long history stops here and says where. */
const MAX_READS = 2000;
const READ_BATCH = 32;

async function indexPositions(ctx: Context, account: string | undefined): Promise<IndexPosition[]> {
  const out: IndexPosition[] = [];
  const patterns = account ? [`${account}.*.*`, `_training.${account}.*.*`] : [">"];
  for (const pattern of patterns) {
    for (const key of await listKeys(ctx.buckets.predictionIndex, pattern)) {
      const p = parseIndexKey(key);
      if (p) out.push(p);
    }
  }
  return out;
}

async function search(ctx: Context, q: PredictionSearch) {
  const positions = selectPositions(await indexPositions(ctx, q.account), q);
  const now = ctx.now();
  const items = [];
  let i = 0;
  let last: IndexPosition | null = null;
  while (i < positions.length && items.length < q.limit && i < MAX_READS) {
    const batch = positions.slice(i, Math.min(i + READ_BATCH, MAX_READS));
    const records = await Promise.all(batch.map((p) => ctx.store.get(p.id)));
    for (const [j, stored] of records.entries()) {
      i++;
      last = batch[j] ?? last;
      if (stored && matches(stored.record, q)) items.push(summarize(stored.record, now));
      if (items.length >= q.limit) break;
    }
  }
  return { items, nextCursor: i < positions.length && last ? cursorOf(last) : null, scanned: i };
}

async function mustGet(ctx: Context, id: string): Promise<PredictionRecord> {
  const stored = await ctx.store.get(id);
  if (!stored) throw new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
  return stored.record;
}

const ById = z.object({ id: PredictionId });

export const predictionsRouter = router({
  /** Newest first; by account, model, status and creation time. */
  search: adminProcedure.input(PredictionSearch).query(({ ctx, input }) => search(ctx, input)),

  /** Everything stored about one prediction (secrets redacted), with its webhook deliveries. */
  get: adminProcedure.input(ById).query(async ({ ctx, input }) => {
    const record = await mustGet(ctx, input.id);
    const log = await ctx.buckets.webhookDeliveries.get(input.id);
    const webhooks = log?.operation === "PUT" ? decode(WebhookDeliveryLog, log.value, "webhook deliveries") : [];
    return { ...detail(record, ctx.now()), webhooks };
  }),

  /** Cancels it wherever it is (queued or running); a finished prediction is returned unchanged. */
  cancel: adminProcedure.input(ById).mutation(async ({ ctx, input }) => {
    const current = await mustGet(ctx, input.id);
    if (isTerminal(current.status)) return summarize(current, ctx.now());
    const { record, told } = await cancelPrediction(ctx, current);
    await told;
    return summarize(record, ctx.now());
  }),

  /**
   * Every stored change of every prediction (optionally of one account or model) as it happens, as
   * table rows, from the core-NATS change notices. Each event id is `<prediction id>:<revision>`.
   */
  live: adminProcedure
    .input(z.object({ account: z.string().optional(), model: z.string().optional() }).default({}))
    .subscription(async function* ({ ctx, input, signal }) {
      for await (const { record, revision } of changes(ctx, subjects.changed("*"), signal)) {
        if (input.account && record.account_id !== input.account) continue;
        if (input.model && record.model !== input.model) continue;
        yield tracked(`${record.id}:${revision}`, summarize(record, ctx.now()));
      }
    }),

  /** One prediction's every change, in full (output and logs as they grow). */
  watch: adminProcedure.input(ById).subscription(async function* ({ ctx, input, signal }) {
    for await (const { record, revision } of changes(ctx, subjects.changed(input.id), signal)) {
      yield tracked(`${record.id}:${revision}`, detail(record, ctx.now()));
    }
  }),
});

/** Decoded change notices on `subject` until `signal` aborts (or the consumer stops reading). */
async function* changes(ctx: Context, subject: string, signal: AbortSignal | undefined) {
  const sub = ctx.nc.subscribe(subject);
  const stop = () => sub.unsubscribe();
  signal?.addEventListener("abort", stop, { once: true });
  try {
    for await (const m of sub) {
      let notice: PredictionChanged;
      try {
        notice = decode(PredictionChanged, m.data, "prediction change");
      } catch (err) {
        ctx.log.warn("unreadable change notice", { subject: m.subject, err: String(err) });
        continue;
      }
      yield notice;
    }
  } finally {
    signal?.removeEventListener("abort", stop);
    stop();
  }
}
