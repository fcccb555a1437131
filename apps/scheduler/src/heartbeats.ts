import { AgentHeartbeat } from "@gantry/contracts/agents";
import { decode } from "@gantry/platform/codec";
import { listKeys } from "@gantry/platform/kv-keys";
import type { Buckets } from "@gantry/platform/topology";

/**
 * Every agent's latest heartbeat, read from the bucket now rather than as the watch last
 * delivered it: what a boot decision under a deployment's ticket must see. Unreadable ones are
 * left out (the watch reports them).
 */
export async function readHeartbeats(agents: Buckets["agents"]): Promise<AgentHeartbeat[]> {
  const out: AgentHeartbeat[] = [];
  for (const key of await listKeys(agents)) {
    const e = await agents.get(key);
    if (e?.operation !== "PUT") continue;
    try {
      out.push(decode(AgentHeartbeat, e.value, "agent heartbeat"));
    } catch {}
  }
  return out;
}
