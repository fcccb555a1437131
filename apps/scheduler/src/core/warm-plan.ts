import type { AgentHeartbeat } from "@gantry/contracts/agents";
import { takesWork } from "./placement.ts";

export interface WarmTarget {
  versionId: string;
  /** The deployment whose instances these are (null: the shared instances of a public model). */
  deployment: string | null;
  hardware: string;
  minInstances: number;
}

/**
 * How many instances of a deployment's version each agent should keep warm: instances that run
 * already are kept first (their leases renewed, up to `minInstances`), and the shortfall goes to
 * fresh agents of the right hardware with a free slot (none draining), emptiest first. Pure.
 */
export function planWarm(
  agents: Iterable<AgentHeartbeat>,
  target: WarmTarget,
  now: Date,
  staleMs: number,
): Map<string, number> {
  const plan = new Map<string, number>();
  const fresh = [...agents].filter((a) => a.sku === target.hardware && takesWork(a, now, staleMs));
  let have = 0;
  for (const a of fresh) {
    // Leases are renewed for `minInstances` of them only: the rest may scale down when idle.
    const mine = a.instances.filter(
      (i) => i.version_id === target.versionId && (i.deployment ?? null) === target.deployment && i.state !== "failed",
    ).length;
    const keep = Math.min(mine, target.minInstances - have);
    if (keep > 0) plan.set(a.agent_id, keep);
    have += keep;
  }
  const roomy = fresh
    .map((a) => ({ a, live: a.instances.filter((i) => i.state !== "failed").length }))
    .filter(({ a, live }) => live < a.slots)
    .sort((x, y) => x.live - y.live);
  for (const { a } of roomy) {
    if (have >= target.minInstances) break;
    plan.set(a.agent_id, (plan.get(a.agent_id) ?? 0) + 1);
    have++;
  }
  return plan;
}
