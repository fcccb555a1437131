import { LRUCache } from "lru-cache";

/** Entries a cache holds by default: past it, the least recently used one makes room. */
export const DEFAULT_CACHE_ENTRIES = 10_000;

/**
 * A small read-through cache for hot lookups (tokens, models, versions). Entries live `ttlMs`,
 * so a revoked token or an updated model is seen within that time; at most `max` are held, and
 * a full cache evicts the least recently used one, never everything (an `lru-cache` underneath).
 * `ttlMs` 0 caches nothing (lru-cache would read a 0 TTL as "forever").
 */
export class TtlCache<V> {
  readonly #entries: LRUCache<string, { value: V }> | null;

  constructor(ttlMs: number, now: () => number, max = DEFAULT_CACHE_ENTRIES) {
    // `ttlResolution: 0`: read the injected clock on every check, and start no timer.
    this.#entries = ttlMs > 0 ? new LRUCache({ max, ttl: ttlMs, ttlResolution: 0, perf: { now } }) : null;
  }

  async get(key: string, load: () => Promise<V>): Promise<V> {
    if (!this.#entries) return load();
    const hit = this.#entries.get(key);
    if (hit) return hit.value;
    const value = await load();
    this.#entries.set(key, { value });
    return value;
  }

  delete(key: string): void {
    this.#entries?.delete(key);
  }

  /** How many entries it holds now (never more than its `max`). */
  get size(): number {
    return this.#entries?.size ?? 0;
  }
}
