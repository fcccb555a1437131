import type { AgentHeartbeat } from "@gantry/contracts/agents";
import {
  bootAllowed,
  type Candidate,
  evictAfterMs,
  instanceCount,
  type LaneState,
  laneCounts,
  type PlacementJob,
  rankCandidates,
  type ScalePolicy,
} from "./placement.ts";

/** What a queued prediction needs: its lane. Predictions of one lane are interchangeable to agents. */
export const laneOf = (item: { hardware: string; version_id: string; deployment?: string | null }) =>
  `${item.hardware}|${item.version_id}|${item.deployment ?? ""}`;

/**
 * Where the head of a lane goes now, best first (empty: it waits): a warm slot when one is free,
 * else a boot when the scale policy allows one for a lane in this state, on an agent with a free
 * slot or an instance idle long enough to replace. Pure.
 */
export function placementCandidates(
  agents: Iterable<AgentHeartbeat>,
  job: PlacementJob,
  lane: LaneState,
  policy: ScalePolicy,
  now: Date,
  staleMs: number,
): Candidate[] {
  const all = [...agents];
  const counts = laneCounts(all, job, now, staleMs);
  return rankCandidates(all, job, now, staleMs, {
    allowed: bootAllowed(counts, job, lane, policy),
    evictIdleMs: evictAfterMs(policy, lane, counts.live),
    unbound: policy.unbound === true,
  });
}

/**
 * Whether a boot for the job's lane leaves its head queued (`ScalePolicy.unbound`): only when the lane
 * scales up, that is when an instance serves it already. The lane's first boot takes its head, as
 * bound boots do: no other slot could free sooner, and the prediction shows that boot's phases and
 * setup logs. Pure.
 */
export function bootsUnbound(
  agents: Iterable<AgentHeartbeat>,
  job: PlacementJob,
  policy: ScalePolicy,
  now: Date,
  staleMs: number,
): boolean {
  return policy.unbound === true && instanceCount(agents, job, now, staleMs) > 0;
}

/** The order in which lanes are drained: the one whose head has waited longest first (it is first to a freed slot). */
export function drainOrder(lanes: readonly string[], headSince: (lane: string) => number): string[] {
  return [...lanes].sort((a, b) => headSince(a) - headSince(b));
}
