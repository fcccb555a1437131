import { AgentHeartbeat } from "@gantry/contracts/agents";
import { decode } from "@gantry/platform/codec";
import { listKeys } from "@gantry/platform/kv-keys";
import type { Context } from "../context.ts";
import { type AgentView, agentView } from "../core/agents.ts";
import { adminProcedure, router } from "../trpc.ts";

/** Every agent's latest heartbeat, with its instances named by model. */
export async function listAgents(ctx: Context): Promise<AgentView[]> {
  const beats: AgentHeartbeat[] = [];
  for (const key of await listKeys(ctx.buckets.agents)) {
    const e = await ctx.buckets.agents.get(key);
    if (e?.operation !== "PUT") continue;
    try {
      beats.push(decode(AgentHeartbeat, e.value, "agent heartbeat"));
    } catch (err) {
      ctx.log.warn("unreadable heartbeat", { key, err: String(err) });
    }
  }
  const versionIds = new Set(beats.flatMap((b) => b.instances.map((i) => i.version_id)));
  const names = new Map<string, string | null>();
  await Promise.all(
    [...versionIds].map(async (id) => names.set(id, (await ctx.registry.getVersion(id))?.model ?? null)),
  );
  const now = ctx.now();
  return beats
    .map((b) => agentView(b, now, ctx.agentStaleMs, (id) => names.get(id) ?? null))
    .sort((a, b) => a.agent_id.localeCompare(b.agent_id));
}

export const agentsRouter = router({
  /** Agents and their instances: hardware, slots, state, utilization, boot times. */
  list: adminProcedure.query(({ ctx }) => listAgents(ctx)),
});
