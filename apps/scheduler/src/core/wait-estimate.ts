/**
 * What a waiting prediction is told: its place in its lane's queue and when it should start. Pure:
 * the placer passes the clock in.
 */

/** A position is rewritten at most this often per prediction (a long queue draining is not a write storm). */
export const WAIT_REWRITE_MS = 2000;
/** Positions past this are not rewritten until they come under it (their first note says where they were). */
export const MAX_TRACKED_POSITION = 100;
/** Weight of the newest interval in a lane's drain rate. */
const RATE_WEIGHT = 0.3;

/** What was last written to a waiting prediction. */
export interface WaitWritten {
  position: number;
  atMs: number;
}

export interface StartEstimate {
  /** Predictions ahead of it in its lane (0: it is next). */
  ahead: number;
  nowMs: number;
  /** How long, lately, between two placements of waiting predictions of this lane; null: none seen. */
  drainIntervalMs: number | null;
  /** Whether an instance of its version runs anywhere (otherwise it needs a boot when its turn comes). */
  warm: boolean;
  /** How long its version took to boot lately; null: never seen booting. */
  bootMs: number | null;
}

/**
 * When a waiting prediction should start (epoch ms), or null when nothing says: every prediction
 * ahead, and itself, takes one drain interval (a slot freeing), plus a boot when its version has no
 * instance. A lane that never drained yet has no estimate.
 */
export function estimateStartMs(e: StartEstimate): number | null {
  if (e.drainIntervalMs === null) return null;
  const boot = e.warm ? 0 : e.bootMs;
  if (boot === null) return null;
  return Math.round(e.nowMs + (e.ahead + 1) * e.drainIntervalMs + boot);
}

/** Whether a waiting prediction's position is worth a write now. */
export function shouldRewrite(last: WaitWritten | undefined, position: number, nowMs: number): boolean {
  if (!last) return true;
  if (position === last.position || position >= MAX_TRACKED_POSITION) return false;
  return nowMs - last.atMs >= WAIT_REWRITE_MS;
}

/** The line a waiting prediction's logs gain (and its SSE stream shows). */
export function waitLine(o: {
  first: boolean;
  hardware: string;
  model: string;
  ahead: number;
  startMs: number | null;
  nowMs: number;
}): string {
  const eta =
    o.startMs === null ? "" : `, starting in about ${Math.max(1, Math.round((o.startMs - o.nowMs) / 1000))} s`;
  if (o.first) {
    const where = o.ahead > 0 ? ` (${o.ahead} ahead)` : "";
    return `Queued: waiting for a free ${o.hardware} instance of ${o.model}${where}${eta}.`;
  }
  return `Queued: ${o.ahead === 0 ? "next" : `${o.ahead} ahead`}${eta}.`;
}

/**
 * How fast each lane's waiting predictions are placed: a weighted mean of the intervals between
 * placements. Bounded: past `maxLanes` the least recently placed lane is forgotten.
 */
export class DrainRates {
  readonly #lanes = new Map<string, { lastMs: number; intervalMs: number | null }>();

  constructor(private readonly maxLanes = 10_000) {}

  /** A waiting prediction of the lane was placed at `atMs`. */
  placed(lane: string, atMs: number): void {
    const prev = this.#lanes.get(lane);
    this.#lanes.delete(lane);
    const gap = prev ? Math.max(0, atMs - prev.lastMs) : null;
    const intervalMs =
      gap === null
        ? (prev?.intervalMs ?? null)
        : prev?.intervalMs == null
          ? gap
          : prev.intervalMs + RATE_WEIGHT * (gap - prev.intervalMs);
    this.#lanes.set(lane, { lastMs: atMs, intervalMs });
    if (this.#lanes.size > this.maxLanes) {
      const oldest = this.#lanes.keys().next();
      if (!oldest.done) this.#lanes.delete(oldest.value);
    }
  }

  intervalMs(lane: string): number | null {
    return this.#lanes.get(lane)?.intervalMs ?? null;
  }
}
