import { setTimeout as sleep } from "node:timers/promises";
import {
  IngestPosition,
  Ledger,
  type LineItem,
  LineItemChunk,
  POSITION_KEY,
  type PriceEntry,
} from "@gantry/contracts/billing";
import { STREAMS } from "@gantry/contracts/subjects";
import { UsageEvent } from "@gantry/contracts/usage";
import { decode, encode } from "@gantry/platform/codec";
import type { Logger } from "@gantry/platform/logger";
import { type ConsumerMessages, DeliverPolicy, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import { applyCharges, type Charge, emptyLedger, groupByLedger } from "./core/ledger.ts";
import { CHUNK_SIZE, endsChunk, groupIntoChunks, mergeChunk } from "./core/line-items.ts";
import { planBatch } from "./core/plan.ts";
import { CasStore } from "./store.ts";

export interface IngestDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  ledger: KV;
  lineItems: KV;
  log: Logger;
  now: () => Date;
  prices: readonly PriceEntry[];
  /** Usage events applied per batch (at most). */
  batchSize: number;
  /**
   * How long a batch that caught up with the stream waits for more events before it is applied
   * (default {@link DEFAULT_LINGER_MS}; 0: at once). Each batch rewrites the line-item chunks it
   * touches whole (up to {@link CHUNK_SIZE} items), so a batch per event would rewrite a chunk per
   * event: the wait spreads one rewrite over the events of that window.
   */
  lingerMs?: number;
}

/** See {@link IngestDeps.lingerMs}: ledgers lag the stream by at most this much more under steady load. */
export const DEFAULT_LINGER_MS = 200;
/** A batch that caught up with this many events is applied at once: its chunk writes are spread enough. */
const LINGER_BELOW = 100;

export interface Ingest {
  /** Sequence of the last usage event applied (0 before the first). */
  readonly position: number;
  stop(): Promise<void>;
}

/** Where the previous run stopped: the stream sequence after which to resume. */
export async function readPosition(ledger: KV): Promise<number> {
  const entry = await ledger.get(POSITION_KEY);
  return entry?.operation === "PUT" ? decode(IngestPosition, entry.value, "billing position").seq : 0;
}

/**
 * Moves the stored position forward to `at` (never back): a compare-and-set, so with several
 * billing processes reading the stream, one that lags never rewinds what another applied.
 */
export async function advancePosition(ledger: KV, at: IngestPosition): Promise<void> {
  for (;;) {
    const entry = await ledger.get(POSITION_KEY);
    const stored = entry?.operation === "PUT" ? decode(IngestPosition, entry.value, "billing position").seq : 0;
    if (stored >= at.seq) return;
    try {
      if (entry) await ledger.update(POSITION_KEY, encode(at), entry.revision);
      else await ledger.create(POSITION_KEY, encode(at));
      return;
    } catch (err) {
      // Another billing process wrote it first: read again. Anything else is the caller's to retry.
      if (!/wrong last sequence|10071/.test(String(err))) throw err;
    }
  }
}

/**
 * Reads the `USAGE` stream in order with an ordered consumer (no server-side ack state), from the
 * stored position on. A batch is applied in two steps: ledgers and line-item chunks (CAS writes;
 * a ledger skips events at or below its `last_seq`, a chunk items it holds already), then the
 * position. A crash between any two writes replays the batch, which changes nothing already
 * written. Failed writes are retried until they succeed, so the stream is never read past an
 * event that is not applied. Duplicates by message id are dropped by the stream (24 h window).
 * Several billing processes may run this side by side (cluster mode): each reads the whole
 * stream, and the CAS writes make whatever two of them apply land once.
 */
export async function startIngest(d: IngestDeps): Promise<Ingest> {
  let position = await readPosition(d.ledger);
  let running = true;
  const isRunning = () => running;
  let messages: ConsumerMessages | null = null;

  const ledgers = new CasStore(d.ledger, Ledger);
  const chunks = new CasStore(d.lineItems, LineItemChunk);

  const applyBatch = async (batch: JsMsg[]) => {
    const events: { seq: number; event: UsageEvent }[] = [];
    for (const m of batch) {
      try {
        events.push({ seq: m.seq, event: decode(UsageEvent, m.data, "usage") });
      } catch (err) {
        d.log.error("usage event refused", { seq: m.seq, subject: m.subject, err: String(err) });
      }
    }
    const charges: Charge[] = [];
    const items: LineItem[] = [];
    for (const p of planBatch(d.prices, events)) {
      if (p.unpriced) d.log.warn("usage on a SKU without a price", { seq: p.seq, hardware: p.charges[0]?.hardware });
      charges.push(...p.charges);
      if (p.item) items.push(p.item);
    }
    await Promise.all([
      ...[...groupIntoChunks(items)].map(([key, chunk]) =>
        chunks.change(
          key,
          () => ({ ...chunk, items: [] }),
          (stored) => mergeChunk(stored, chunk),
        ),
      ),
      ...[...groupByLedger(charges)].map(([key, list]) =>
        ledgers.change(
          key,
          () => emptyLedger(list[0]?.accountId ?? "", list[0]?.period ?? ""),
          (current) => applyCharges(current, list),
        ),
      ),
    ]);
    const last = batch[batch.length - 1];
    if (last) {
      await advancePosition(d.ledger, { seq: last.seq, at: d.now().toISOString() });
      position = last.seq;
    }
  };

  const applyUntilDone = async (batch: JsMsg[]) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await applyBatch(batch);
      } catch (err) {
        ledgers.forget();
        chunks.forget();
        if (!running) throw err;
        d.log.warn("billing batch failed; retrying", { attempt, first_seq: batch[0]?.seq, err: String(err) });
        await sleep(Math.min(2000, 100 * 2 ** attempt));
      }
    }
  };

  const lingerMs = d.lingerMs ?? DEFAULT_LINGER_MS;
  /** Batches are applied one after another, in stream order, whether a full batch or the linger starts them. */
  let applying: Promise<void> = Promise.resolve();
  let batch: JsMsg[] = [];
  /** The last sequence taken into a batch (applied, being applied, or waiting). */
  let taken = position;
  let linger: NodeJS.Timeout | undefined;
  const stopLinger = () => {
    clearTimeout(linger);
    linger = undefined;
  };
  const flush = (): Promise<void> => {
    stopLinger();
    const next = batch;
    batch = [];
    if (next.length > 0) applying = applying.then(() => applyUntilDone(next));
    return applying;
  };

  const loop = async () => {
    while (running) {
      try {
        // A reopened consumer starts after what is applied: what was waiting is read again.
        stopLinger();
        batch = [];
        await applying;
        taken = position;
        const consumer = await d.js.consumers.get(STREAMS.usage.name, {
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: position + 1,
        });
        // Short pulls: after a server restart, missed heartbeats reopen the consumer within seconds.
        messages = await consumer.consume({ max_messages: d.batchSize * 2, expires: 4000 });
        if (!isRunning()) messages.stop();
        for await (const m of messages) {
          if (m.seq <= taken) continue;
          taken = m.seq;
          batch.push(m);
          // `pending` is what the stream holds after this message: 0 means caught up. A full
          // batch ends with a line-item chunk, so under load each chunk is written once; a small one
          // that caught up waits `lingerMs` for company (the end of a backlog does not).
          const full = batch.length >= d.batchSize;
          if ((full && endsChunk(m.seq)) || batch.length >= d.batchSize + CHUNK_SIZE) await flush();
          else if (m.info.pending === 0 && (lingerMs === 0 || batch.length >= LINGER_BELOW)) await flush();
          else if (m.info.pending === 0) linger ??= setTimeout(() => void flush().catch(() => {}), lingerMs);
        }
      } catch (err) {
        if (!running) break;
        d.log.warn("usage consumer failed; reopening", { position, err: String(err) });
        await sleep(500);
      }
    }
    stopLinger();
    await applying.catch(() => {});
  };
  const done = loop();
  // After a reconnect (a server restart), reopen at once rather than wait for missed heartbeats.
  const reopen = async () => {
    for await (const s of d.nc.status()) {
      if (!running) break;
      if (s.type === "reconnect") messages?.stop();
    }
  };
  void reopen();

  return {
    get position() {
      return position;
    },
    async stop() {
      running = false;
      messages?.stop();
      await done;
    },
  };
}
