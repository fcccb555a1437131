/**
 * A small read-through cache for hot lookups (tokens, models, versions). Entries live `ttlMs`,
 * so a revoked token or an updated model is seen within that time.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; expires: number }>();
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #max: number;

  constructor(ttlMs: number, now: () => number, max = 10_000) {
    this.#ttlMs = ttlMs;
    this.#now = now;
    this.#max = max;
  }

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.#entries.get(key);
    const t = this.#now();
    if (hit && hit.expires > t) return hit.value;
    const value = await load();
    if (this.#entries.size >= this.#max) this.#entries.clear();
    this.#entries.set(key, { value, expires: t + this.#ttlMs });
    return value;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}
