import type { SimRun } from "./fleet-sim.ts";

/** The figures a run is judged by (the CLI's JSON line). */
export interface Figures {
  /** Busy instance-seconds over instance-seconds held (booting and idle included). */
  utilization: number;
  p50_wait_ms: number;
  p99_wait_ms: number;
  cold_boots: number;
  instance_seconds: number;
}

export interface Summary extends Figures {
  predictions: number;
  failed: number;
  evictions: number;
  peak_instances: number;
}

/** The q-quantile of sorted values, nearest rank (0 for none). */
export function quantile(sorted: Float64Array | readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[k] ?? 0;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function summarize(run: SimRun): Summary {
  const started = run.waits.filter((w) => w >= 0).sort();
  return {
    utilization: run.heldMs > 0 ? round(run.busyMs / run.heldMs, 4) : 0,
    p50_wait_ms: quantile(started, 0.5),
    p99_wait_ms: quantile(started, 0.99),
    cold_boots: run.coldBoots,
    instance_seconds: round(run.heldMs / 1000, 1),
    predictions: run.predictions,
    failed: run.failed,
    evictions: run.evictions,
    peak_instances: run.peakInstances,
  };
}

/** Just the judged figures, in a fixed key order. */
export function figures(s: Figures): Figures {
  return {
    utilization: s.utilization,
    p50_wait_ms: s.p50_wait_ms,
    p99_wait_ms: s.p99_wait_ms,
    cold_boots: s.cold_boots,
    instance_seconds: s.instance_seconds,
  };
}
