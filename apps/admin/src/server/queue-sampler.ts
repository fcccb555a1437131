import { WorkItem } from "@gantry/contracts/jobs";
import { CONSUMERS, STREAMS } from "@gantry/contracts/subjects";
import { decode } from "@gantry/platform/codec";
import type { Logger } from "@gantry/platform/logger";
import type { JetStreamManager } from "@nats-io/jetstream";
import { depthBySku, type QueueSample, SampleRing } from "./core/queues.ts";

/** How many stored messages one look for the oldest waiting item per SKU may read. */
const OLDEST_SCAN_LIMIT = 200;

export interface QueueSnapshot {
  depth: Record<string, number>;
  /** Enqueue time of the oldest waiting item per SKU (those found within the scan limit). */
  oldest: Record<string, string>;
  /** The scheduler's durable consumer: not yet delivered, and delivered but not yet acknowledged. */
  consumer: { pending: number; ack_pending: number; redelivered: number } | null;
}

/**
 * Queue depth of the `WORK` stream (one message per prediction waiting for placement), read on
 * demand and sampled every `intervalMs` for the queue-depth chart.
 */
export class QueueSampler {
  readonly #jsm: JetStreamManager;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #ring: SampleRing;
  #timer: NodeJS.Timeout | null = null;

  constructor(jsm: JetStreamManager, log: Logger, now: () => Date, keep = 720) {
    this.#jsm = jsm;
    this.#log = log;
    this.#now = now;
    this.#ring = new SampleRing(keep);
  }

  start(intervalMs: number): void {
    const tick = () =>
      void this.sample().catch((err: unknown) => this.#log.warn("queue sample failed", { err: String(err) }));
    tick();
    this.#timer = setInterval(tick, intervalMs);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Takes one sample now (also what the timer does). */
  async sample(): Promise<QueueSample> {
    const s = { at: this.#now().toISOString(), depth: await this.depth() };
    this.#ring.push(s);
    return s;
  }

  history(sinceMs: number): QueueSample[] {
    return this.#ring.since(sinceMs);
  }

  async depth(): Promise<Record<string, number>> {
    const info = await this.#jsm.streams.info(STREAMS.work.name, { subjects_filter: ">" });
    return depthBySku(info.state.subjects);
  }

  async snapshot(): Promise<QueueSnapshot> {
    const info = await this.#jsm.streams.info(STREAMS.work.name, { subjects_filter: ">" });
    const depth = depthBySku(info.state.subjects);
    const oldest: Record<string, string> = {};
    const wanted = new Set(Object.keys(depth));
    // Work-queue messages go when acknowledged, so the stream holds exactly the waiting ones;
    // the first found per SKU in sequence order is that SKU's oldest.
    let reads = 0;
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && wanted.size > 0; seq++) {
      if (++reads > OLDEST_SCAN_LIMIT) break;
      const msg = await this.#jsm.streams.getMessage(STREAMS.work.name, { seq }).catch(() => null);
      if (!msg) continue;
      try {
        const item = decode(WorkItem, msg.data, "work item");
        if (wanted.delete(item.hardware)) oldest[item.hardware] = item.enqueued_at;
      } catch {
        // A foreign message on the stream says nothing about waits.
      }
    }
    const consumer = await this.#jsm.consumers.info(CONSUMERS.placer.stream, CONSUMERS.placer.name).catch(() => null);
    return {
      depth,
      oldest,
      consumer: consumer
        ? {
            pending: consumer.num_pending,
            ack_pending: consumer.num_ack_pending,
            redelivered: consumer.num_redelivered,
          }
        : null,
    };
  }
}
