import type { AgentHeartbeat, InstanceState } from "@gantry/contracts/agents";

export interface InstanceView {
  version_id: string;
  /** `owner/name` of the version, when it is known. */
  model: string | null;
  state: InstanceState;
  running: number;
  concurrency: number;
  /** `running / concurrency`. */
  utilization: number;
  booted_at: string | null;
  /** Seconds since boot. */
  up_s: number | null;
}

export interface AgentView {
  agent_id: string;
  sku: string;
  emulated: boolean;
  gpus: AgentHeartbeat["gpus"];
  slots: number;
  slots_used: number;
  instances: InstanceView[];
  running: number;
  capacity: number;
  /** Running predictions over the concurrency of its instances (0 with no instances). */
  utilization: number;
  last_seen: string;
  /** No heartbeat for longer than the stale limit: the scheduler no longer places on it. */
  stale: boolean;
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : 0);

/** What the agents page shows of one heartbeat. */
export function agentView(
  hb: AgentHeartbeat,
  now: Date,
  staleMs: number,
  modelOf: (versionId: string) => string | null,
): AgentView {
  const instances = hb.instances.map(
    (i): InstanceView => ({
      version_id: i.version_id,
      model: modelOf(i.version_id),
      state: i.state,
      running: i.running,
      concurrency: i.concurrency,
      utilization: ratio(i.running, i.concurrency),
      booted_at: i.booted_at,
      up_s: i.booted_at ? Math.max(0, Math.round((now.getTime() - Date.parse(i.booted_at)) / 1000)) : null,
    }),
  );
  const running = instances.reduce((n, i) => n + i.running, 0);
  const capacity = instances.reduce((n, i) => n + i.concurrency, 0);
  return {
    agent_id: hb.agent_id,
    sku: hb.sku,
    emulated: hb.emulated,
    gpus: hb.gpus,
    slots: hb.slots,
    slots_used: instances.length,
    instances,
    running,
    capacity,
    utilization: ratio(running, capacity),
    last_seen: hb.at,
    stale: now.getTime() - Date.parse(hb.at) > staleMs,
  };
}
