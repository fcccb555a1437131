import { DEFAULT_SCALE_POLICY, type ScalePolicy } from "../core/placement.ts";
import type { DemandModel, Scaling } from "../core/warm-demand.ts";

/**
 * How a fleet is run: the scheduler's scale policy (the real one's knobs) and the agents' idle
 * window (apps/gpu-agent's `GANTRY_IDLE_STOP_MS`).
 */
export interface SimPolicy {
  name: string;
  summary: string;
  scale: ScalePolicy;
  idleStopMs: number;
  /** The pre-warm's knobs for every lane (the deployment keeper's, `core/warm-demand.ts`); absent: no pre-warm. */
  scaling?: Scaling;
  demand?: DemandModel;
}

/** apps/gpu-agent/src/env.ts's default `GANTRY_IDLE_STOP_MS`. */
export const AGENT_IDLE_STOP_MS = 600_000;

/** Production's scale policy of round 7 (unbound boots, one idle window for every instance): the policies tried then keep it. */
const ROUND_7_SCALE: ScalePolicy = { scaleUpAfterMs: 500, evictIdleMs: 2000, starveAfterMs: 5000, unbound: true };

/** The baseline every run is compared with: boot on demand, keep each instance 10 minutes after its last prediction. */
export const KEEP_ALIVE: SimPolicy = {
  name: "keepalive",
  summary: "baseline: boot on demand, keep each instance 10 min after its last prediction",
  scale: { scaleUpAfterMs: 0, evictIdleMs: 600_000 },
  idleStopMs: 600_000,
};

export const POLICIES: readonly SimPolicy[] = [
  {
    name: "production",
    summary:
      "the defaults (DEFAULT_SCALE_POLICY, GANTRY_IDLE_STOP_MS): unbound boots once the queue would not drain in 20 s; a model's last instance idles 10 min, its extras 1.5 boot times (1-2 min)",
    scale: DEFAULT_SCALE_POLICY,
    idleStopMs: AGENT_IDLE_STOP_MS,
  },
  KEEP_ALIVE,
  {
    name: "patient",
    summary: "scale up only after the head waited 60 s (a busy instance usually frees first), idle window 10 min",
    scale: { ...ROUND_7_SCALE, scaleUpAfterMs: 60_000, unbound: false },
    idleStopMs: 600_000,
  },
  {
    name: "lean",
    summary: "scale up after 30 s of waiting, idle window 2 min: the most utilization tried, at the cost of waits",
    scale: { ...ROUND_7_SCALE, scaleUpAfterMs: 30_000, unbound: false },
    idleStopMs: 120_000,
  },
  {
    name: "bound",
    summary:
      "production before unbound boots (GANTRY_SCALE_UNBOUND=0): a prediction that waited 0.5 s boots an instance and waits for it",
    scale: { ...ROUND_7_SCALE, unbound: false },
    idleStopMs: 300_000,
  },
  {
    name: "one-window",
    summary:
      "production of round 7 (GANTRY_SCALE_EXTRA_IDLE_MS=0, GANTRY_IDLE_STOP_MS=300000): unbound boots, every instance idles 5 min",
    scale: ROUND_7_SCALE,
    idleStopMs: 300_000,
  },
  {
    name: "pooled",
    summary:
      "unbound boots after 10 s of waiting; a model's last instance idles 10 min, its extras 2 min (GANTRY_SCALE_EXTRA_IDLE_MS)",
    scale: { ...ROUND_7_SCALE, scaleUpAfterMs: 10_000, extraIdleMs: 120_000 },
    idleStopMs: 600_000,
  },
  {
    name: "round-8",
    summary:
      "production of round 8 (GANTRY_SCALE_DRAIN_HORIZON_MS=0, GANTRY_SCALE_EXTRA_IDLE_PER_BOOT=0): scale up once the head waited 0.5 s, every extra idles 2 min",
    scale: { ...ROUND_7_SCALE, extraIdleMs: 120_000 },
    idleStopMs: 600_000,
  },
];

export function policyNamed(name: string): SimPolicy {
  const p = POLICIES.find((x) => x.name === name);
  if (!p) throw new Error(`no policy "${name}" (known: ${POLICIES.map((x) => x.name).join(", ")})`);
  return p;
}
