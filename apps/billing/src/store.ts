import { decode, encode } from "@gantry/platform/codec";
import type { KV } from "@nats-io/kv";
import type { z } from "zod";

/**
 * Read-modify-write of KV entries with CAS, remembering the value and revision this process last
 * wrote: the next change to the same key needs no read unless someone else wrote in between (then
 * the CAS fails and the entry is read again).
 */
export class CasStore<S extends z.ZodType> {
  readonly #known = new Map<string, { value: z.output<S>; revision: number }>();
  readonly #kv: KV;
  readonly #schema: S;
  readonly #max: number;

  constructor(kv: KV, schema: S, max = 50_000) {
    this.#kv = kv;
    this.#schema = schema;
    this.#max = max;
  }

  /**
   * Applies `change` to the entry (`fallback` when there is none) and writes the result; a
   * `null` result (or the same object) means nothing to write.
   */
  async change(
    key: string,
    fallback: () => z.output<S>,
    change: (current: z.output<S>) => z.output<S> | null,
  ): Promise<void> {
    let known = this.#known.get(key);
    for (let attempt = 0; ; attempt++) {
      let current: z.output<S>;
      let revision: number;
      if (known) {
        ({ value: current, revision } = known);
      } else {
        const entry = await this.#kv.get(key);
        const stored = entry?.operation === "PUT";
        current = stored ? decode(this.#schema, entry.value, key) : fallback();
        revision = stored ? entry.revision : 0;
      }
      const next = change(current);
      if (next === null || next === current) return;
      try {
        const written =
          revision > 0 ? await this.#kv.update(key, encode(next), revision) : await this.#kv.create(key, encode(next));
        if (this.#known.size >= this.#max) this.#known.clear();
        this.#known.set(key, { value: next, revision: written });
        return;
      } catch (err) {
        this.#known.delete(key);
        known = undefined;
        if (attempt >= 10) throw err;
      }
    }
  }

  /** Forgets what this process wrote (after a failure whose outcome is unknown). */
  forget(): void {
    this.#known.clear();
  }
}
