import { PredictionEvent } from "@gantry/contracts/events";
import { isTerminal, type PredictionRecord } from "@gantry/contracts/prediction";
import { STREAMS, subjects } from "@gantry/contracts/subjects";
import { decode } from "@gantry/platform/codec";
import type { Logger } from "@gantry/platform/logger";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { type FeedItem, followEvents } from "./event-feed.ts";

/** Events one live prediction keeps in gateway memory for readers that join late. */
export const MAX_CHANNEL_EVENTS = 50_000;

/** How to follow a prediction: when to stop, and how far behind a reader may fall. */
/** How a reader follows a prediction: server-sent events or a WebSocket subscription. */
export type ReaderKind = "sse" | "ws";

export interface FollowOptions {
  /** Ends the feed at once (the reader went away), whether or not an event is due. */
  signal?: AbortSignal;
  /**
   * Events a reader may have waiting before it counts as too slow. Its queue keeps one more than
   * this, so its next read shows it is behind; later events are not kept (the reader resumes
   * from the stream with Last-Event-ID), so a stalled reader costs bounded memory.
   */
  maxLag?: number;
  /** Counted as a reader of this kind while it follows (metrics). */
  reader?: ReaderKind;
}

/** A reader's own queue: events delivered to it and not yet taken. Its length is its lag. */
export class ReaderQueue {
  readonly items: FeedItem[] = [];
  #wake: (() => void) | null = null;
  closed = false;
  /** Told of every event kept and of the close, for readers that take events without `drain`. */
  listener: (() => void) | null = null;

  /** Events at or before `after` are the reader's already; at most `limit` wait. */
  constructor(
    private readonly after: number,
    private readonly limit: number,
  ) {}

  push(item: FeedItem): void {
    if (item.seq <= this.after || this.items.length >= this.limit) return;
    this.items.push(item);
    this.#wake?.();
    this.listener?.();
  }

  close(): void {
    this.closed = true;
    this.#wake?.();
    this.listener?.();
  }

  /** Ends the reader now: what waits is dropped. */
  abort(): void {
    this.items.length = 0;
    this.close();
  }

  async *drain(): AsyncGenerator<FeedItem> {
    for (;;) {
      const item = this.items.shift();
      if (item) {
        yield { ...item, pending: this.items.length };
        if (item.event.type === "done") return;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = null;
    }
  }
}

/** One live prediction: a single ordered consumer whose events fan out to every reader. */
class Channel {
  readonly events: FeedItem[] = [];
  readonly readers = new Set<ReaderQueue>();
  firstSeq = 0;
  done = false;
  #stop: (() => Promise<void>) | null = null;

  constructor(
    readonly id: string,
    private readonly onIdle: (channel: Channel) => void,
  ) {}

  async run(nc: NatsConnection, log: Logger): Promise<void> {
    try {
      const consumer = await jetstream(nc).consumers.get(STREAMS.events.name, {
        filter_subjects: subjects.events(this.id),
        deliver_policy: DeliverPolicy.All,
      });
      const messages = await consumer.consume({ max_messages: 256 });
      this.#stop = () => messages.close().then(() => {});
      for await (const m of messages) {
        const item: FeedItem = { seq: m.seq, event: decode(PredictionEvent, m.data, "prediction event"), pending: 0 };
        if (this.firstSeq === 0) this.firstSeq = item.seq;
        this.events.push(item);
        if (this.events.length > MAX_CHANNEL_EVENTS) this.firstSeq = this.events.shift()?.seq ?? this.firstSeq;
        for (const r of this.readers) r.push(item);
        if (item.event.type === "done") break;
      }
    } catch (err) {
      log.warn("stream channel failed", { id: this.id, err: String(err) });
    } finally {
      this.done = true;
      for (const r of this.readers) r.close();
      await this.#stop?.();
    }
  }

  /** Replays what this channel holds after `afterSeq`, then delivers live: no gap, no repeat. */
  attach(afterSeq: number, limit: number): ReaderQueue {
    const q = new ReaderQueue(afterSeq, limit);
    for (const item of this.events) q.push(item);
    if (this.done) q.close();
    else this.readers.add(q);
    return q;
  }

  detach(q: ReaderQueue): void {
    this.readers.delete(q);
    if (this.readers.size === 0) this.onIdle(this);
  }

  stop(): void {
    void this.#stop?.();
  }
}

/** Runs `f` after the current turn's I/O (workerd without Node's timers: a zero timeout). */
const afterIo: (f: () => void) => void =
  typeof setImmediate === "function" ? (f) => void setImmediate(f) : (f) => void setTimeout(f, 0);

/** A reader attached to a live prediction's channel: it takes events from `queue` itself. */
export interface LiveReader {
  queue: ReaderQueue;
  /**
   * Calls `flush` once after each turn's I/O in which events came or the channel ended, so the
   * events read from JetStream together are taken together; never after `leave`.
   */
  onEvents(flush: () => void): void;
  /** Detaches it (idempotent): the channel stops when its last reader leaves. */
  leave(): void;
}

/**
 * Per-gateway fan-out of live prediction events: however many readers follow a prediction, the
 * gateway reads its events from JetStream once. Readers that join late replay from memory;
 * readers that resume from before what memory holds, and streams of finished predictions, read
 * JetStream on their own (`followEvents`).
 */
export class StreamHub {
  readonly #channels = new Map<string, Channel>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly log: Logger,
    /** Told when a reader starts (+1) and stops (-1) following (metrics). */
    private readonly onReaders?: (kind: ReaderKind, delta: 1 | -1) => void,
  ) {}

  async *follow(record: PredictionRecord, afterSeq: number, o: FollowOptions = {}): AsyncGenerator<FeedItem> {
    if (o.signal?.aborted) return;
    if (!o.reader || !this.onReaders) {
      yield* this.#follow(record, afterSeq, o);
      return;
    }
    this.onReaders(o.reader, 1);
    try {
      yield* this.#follow(record, afterSeq, o);
    } finally {
      this.onReaders(o.reader, -1);
    }
  }

  /**
   * A live prediction's events without an async generator between them and the reader: its
   * queue is filled as the channel reads, and its `listener` told. `null` when the prediction has
   * ended or the reader resumes from before what memory holds: then {@link follow} serves it.
   */
  live(record: PredictionRecord, afterSeq: number, o: Omit<FollowOptions, "signal"> = {}): LiveReader | null {
    if (isTerminal(record.status)) return null;
    const channel = this.#channel(record.id);
    if (channel.firstSeq > 0 && afterSeq + 1 < channel.firstSeq) return null;
    const queue = channel.attach(afterSeq, (o.maxLag ?? Number.MAX_SAFE_INTEGER - 2) + 2);
    const kind = o.reader;
    if (kind) this.onReaders?.(kind, 1);
    let left = false;
    return {
      queue,
      onEvents: (flush) => {
        let scheduled = false;
        queue.listener = () => {
          if (scheduled) return;
          scheduled = true;
          afterIo(() => {
            scheduled = false;
            if (!left) flush();
          });
        };
      },
      leave: () => {
        if (left) return;
        left = true;
        queue.listener = null;
        channel.detach(queue);
        if (kind) this.onReaders?.(kind, -1);
      },
    };
  }

  #channel(id: string): Channel {
    let channel = this.#channels.get(id);
    if (!channel) {
      channel = new Channel(id, (c) => {
        if (this.#channels.get(c.id) === c) this.#channels.delete(c.id);
        c.stop();
      });
      this.#channels.set(id, channel);
      void channel.run(this.nc, this.log);
    }
    return channel;
  }

  async *#follow(record: PredictionRecord, afterSeq: number, o: FollowOptions): AsyncGenerator<FeedItem> {
    if (isTerminal(record.status)) {
      yield* followEvents(this.nc, record, afterSeq, o.signal);
      return;
    }
    const channel = this.#channel(record.id);
    if (channel.firstSeq > 0 && afterSeq + 1 < channel.firstSeq) {
      yield* followEvents(this.nc, record, afterSeq, o.signal);
      return;
    }
    // Room for one more than the reader may lag, so its next read shows how far behind it is.
    const q = channel.attach(afterSeq, (o.maxLag ?? Number.MAX_SAFE_INTEGER - 2) + 2);
    const abort = () => q.abort();
    o.signal?.addEventListener("abort", abort, { once: true });
    try {
      yield* q.drain();
    } finally {
      o.signal?.removeEventListener("abort", abort);
      channel.detach(q);
    }
  }

  /** Live predictions with a channel open (for tests and metrics). */
  get size(): number {
    return this.#channels.size;
  }
}
