import { DEFAULT_SCALE_POLICY, type ScalePolicy } from "../core/placement.ts";

/**
 * How a fleet is run: the scheduler's scale policy (the real one's knobs) and the agents' idle
 * window (apps/gpu-agent's `GANTRY_IDLE_STOP_MS`).
 */
export interface SimPolicy {
  name: string;
  summary: string;
  scale: ScalePolicy;
  idleStopMs: number;
}

/** apps/gpu-agent/src/env.ts's default `GANTRY_IDLE_STOP_MS`. */
export const AGENT_IDLE_STOP_MS = 300_000;

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
    summary: "the scheduler's defaults (DEFAULT_SCALE_POLICY) and the agents' default idle window",
    scale: DEFAULT_SCALE_POLICY,
    idleStopMs: AGENT_IDLE_STOP_MS,
  },
  KEEP_ALIVE,
];

export function policyNamed(name: string): SimPolicy {
  const p = POLICIES.find((x) => x.name === name);
  if (!p) throw new Error(`no policy "${name}" (known: ${POLICIES.map((x) => x.name).join(", ")})`);
  return p;
}
