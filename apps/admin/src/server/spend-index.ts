import { decode } from "@gantry/platform/codec";
import type { Logger } from "@gantry/platform/logger";
import type { KV } from "@nats-io/kv";
import { StoredLineItems, spendPoints } from "./core/line-items.ts";
import type { SpendPoint } from "./core/timeline.ts";

/**
 * The longest window a spend chart shows (`TimelineQuery.hours`: 90 days, and a day to spare for
 * its buckets' rounding): older points are dropped.
 */
export const SPEND_HORIZON_MS = 91 * 24 * 3_600_000;

/**
 * Billed line items (written by billing) kept in memory for the spend charts,
 * from a watch on the `line-items` bucket: its first pass loads what is stored, then every new
 * item arrives as billing writes it. Items whose data was removed stay: they are billing data.
 * Only the last {@link SPEND_HORIZON_MS} is held (no chart reaches further back), so memory is
 * bounded by recent spend, not by everything ever billed.
 */
export class SpendIndex {
  readonly #points = new Map<string, SpendPoint[]>();
  readonly #log: Logger;
  readonly #now: () => Date;
  #stop: (() => void) | null = null;

  constructor(log: Logger, now: () => Date) {
    this.#log = log;
    this.#now = now;
  }

  #horizon(): number {
    return this.#now().getTime() - SPEND_HORIZON_MS;
  }

  /** Starts the watch; resolves once what was stored has been loaded. */
  async start(kv: KV): Promise<void> {
    let loaded: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      loaded = resolve;
    });
    let pending = (await kv.status()).values;
    if (pending === 0) loaded();
    const watcher = await kv.watch();
    this.#stop = () => watcher.stop();
    void (async () => {
      for await (const e of watcher) {
        if (e.operation === "PUT") {
          try {
            const from = this.#horizon();
            const recent = spendPoints(decode(StoredLineItems, e.value, "line items")).filter((p) => p.at >= from);
            if (recent.length > 0) this.#points.set(e.key, recent);
            else this.#points.delete(e.key);
          } catch (err) {
            this.#log.warn("unreadable line item", { key: e.key, err: String(err) });
          }
        } else {
          this.#points.delete(e.key);
        }
        if (pending > 0 && (--pending === 0 || e.delta === 0)) loaded();
      }
    })();
    await ready;
  }

  /** The points of the last {@link SPEND_HORIZON_MS}; keys with none left are let go. */
  *points(): Iterable<SpendPoint> {
    const from = this.#horizon();
    for (const [key, list] of this.#points) {
      if (list.every((p) => p.at < from)) {
        this.#points.delete(key);
        continue;
      }
      for (const p of list) if (p.at >= from) yield p;
    }
  }

  /** How many line-item keys it holds now. */
  get size(): number {
    return this.#points.size;
  }

  stop(): void {
    this.#stop?.();
  }
}
