const PREFIX = "work.v1.predictions.";

/** Messages per SKU from a `WORK` stream info with a subjects filter. */
export function depthBySku(subjects: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [subject, n] of Object.entries(subjects ?? {})) {
    if (subject.startsWith(PREFIX) && n > 0) out[subject.slice(PREFIX.length)] = n;
  }
  return out;
}

export interface QueueSample {
  at: string;
  depth: Record<string, number>;
}

/** A fixed number of the latest samples, oldest first. */
export class SampleRing {
  readonly #max: number;
  #items: QueueSample[] = [];

  constructor(max: number) {
    this.#max = max;
  }

  push(sample: QueueSample): void {
    this.#items.push(sample);
    if (this.#items.length > this.#max) this.#items.splice(0, this.#items.length - this.#max);
  }

  since(ms: number): QueueSample[] {
    return this.#items.filter((s) => Date.parse(s.at) >= ms);
  }

  get latest(): QueueSample | undefined {
    return this.#items.at(-1);
  }
}

export interface QueueView {
  sku: string;
  depth: number;
  /** Enqueue time of the oldest waiting prediction, when found. */
  oldest_enqueued_at: string | null;
  oldest_wait_ms: number | null;
}

/** Rows of the queues page, deepest first. */
export function queueViews(depth: Record<string, number>, oldest: Record<string, string>, now: Date): QueueView[] {
  return Object.entries(depth)
    .map(([sku, n]) => {
      const at = oldest[sku] ?? null;
      return {
        sku,
        depth: n,
        oldest_enqueued_at: at,
        oldest_wait_ms: at ? Math.max(0, now.getTime() - Date.parse(at)) : null,
      };
    })
    .sort((a, b) => b.depth - a.depth || a.sku.localeCompare(b.sku));
}
