import type { AgentHeartbeat } from "@gantry/contracts/agents";

export interface PlacementJob {
  versionId: string;
  hardware: string;
}

export interface Candidate {
  agentId: string;
  /** A ready (or booting) instance of the version has a free slot there. */
  warm: boolean;
}

/**
 * Where a prediction may go, best first: agents of the job's SKU with a warm instance of its
 * version and a free slot (least loaded first), then agents with room to boot one (a free slot,
 * or an idle instance to evict; emptiest first). Stale agents are skipped.
 */
export function rankCandidates(
  agents: Iterable<AgentHeartbeat>,
  job: PlacementJob,
  now: Date,
  staleMs: number,
): Candidate[] {
  const warm: { agentId: string; load: number }[] = [];
  const cold: { agentId: string; load: number }[] = [];
  for (const a of agents) {
    if (a.sku !== job.hardware) continue;
    if (now.getTime() - Date.parse(a.at) > staleMs) continue;
    const mine = a.instances.filter(
      (i) => i.version_id === job.versionId && i.state !== "failed" && i.running < i.concurrency,
    );
    if (mine.length > 0) {
      const load = Math.min(...mine.map((i) => i.running / i.concurrency));
      warm.push({ agentId: a.agent_id, load });
      continue;
    }
    const live = a.instances.filter((i) => i.state !== "failed");
    const room = live.length < a.slots || live.some((i) => i.running === 0 && i.state !== "booting");
    if (room) cold.push({ agentId: a.agent_id, load: live.length / a.slots });
  }
  warm.sort((x, y) => x.load - y.load);
  cold.sort((x, y) => x.load - y.load);
  return [
    ...warm.map((c) => ({ agentId: c.agentId, warm: true })),
    ...cold.map((c) => ({ agentId: c.agentId, warm: false })),
  ];
}

/**
 * What the scheduler assumes right after placing a prediction, until the agent's next heartbeat
 * says otherwise: one more running prediction on the version's instance (a booting one if new).
 */
export function assumePlaced(agent: AgentHeartbeat, versionId: string, concurrency: number): AgentHeartbeat {
  const instances = [...agent.instances];
  const i = instances.findIndex((x) => x.version_id === versionId && x.state !== "failed" && x.running < x.concurrency);
  const existing = instances[i];
  if (existing) instances[i] = { ...existing, running: existing.running + 1 };
  else instances.push({ version_id: versionId, state: "booting", concurrency, running: 1, booted_at: null });
  return { ...agent, instances };
}
