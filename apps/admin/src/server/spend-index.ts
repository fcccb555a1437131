import { decode } from "@gantry/platform/codec";
import type { Logger } from "@gantry/platform/logger";
import type { KV } from "@nats-io/kv";
import { StoredLineItems, spendPoints } from "./core/line-items.ts";
import type { SpendPoint } from "./core/timeline.ts";

/**
 * Billed line items (written by billing) kept in memory for the spend charts,
 * from a watch on the `line-items` bucket: its first pass loads what is stored, then every new
 * item arrives as billing writes it. Items whose data was removed stay: they are billing data.
 */
export class SpendIndex {
  readonly #points = new Map<string, SpendPoint[]>();
  readonly #log: Logger;
  #stop: (() => void) | null = null;

  constructor(log: Logger) {
    this.#log = log;
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
            this.#points.set(e.key, spendPoints(decode(StoredLineItems, e.value, "line items")));
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

  *points(): Iterable<SpendPoint> {
    for (const list of this.#points.values()) yield* list;
  }

  stop(): void {
    this.#stop?.();
  }
}
