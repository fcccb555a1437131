import type { SimRun } from "./fleet-sim.ts";
import type { GoneReason } from "./sim-agent.ts";

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
  /** Shares of the instance time held: booting, and each instance's last idle stretch by why it stopped. */
  booting_share: number;
  end_idle_shares: Record<GoneReason, number>;
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
  const share = (ms: number) => (run.heldMs > 0 ? round(ms / run.heldMs, 4) : 0);
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
    booting_share: share(run.bootingMs),
    end_idle_shares: {
      evicted: share(run.endIdleMs.evicted),
      idle: share(run.endIdleMs.idle),
      trimmed: share(run.endIdleMs.trimmed),
      failed: share(run.endIdleMs.failed),
    },
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
