import type { AgentHeartbeat } from "@gantry/contracts/agents";
import { takesWork } from "./placement.ts";

/** Idle extra instances of one version (and deployment) on one agent, to be stopped. */
export interface ExtrasToStop {
  agentId: string;
  versionId: string;
  deployment: string | null;
  /** How many of its idle instances of the version the agent stops (those idle longest first). */
  count: number;
  /** The lane's window: the agent stops only instances idle at least this long by its own clock. */
  idleMs: number;
}

/**
 * Extras go early: which idle instances to stop while another instance of their version serves the
 * same lane (hardware, version, deployment) somewhere in the fleet. An instance that has run nothing for
 * `idleMs` (by its heartbeat's `last_used`) and is not leased is an extra as long as the lane keeps
 * one live instance: of a lane whose instances are all idle, the one used last stays, and it is left
 * to its agent's own, longer idle window (`GANTRY_IDLE_STOP_MS`). So a model in use keeps one warm
 * instance for the long window, and the instances booted for its peak go after the short one.
 * With `perBoot`, a lane's window is that many of its boot times (its instances' longest `boot_ms`),
 * within `minMs` … `idleMs` (rent or buy: an extra that boots in 10 s is cheap to boot again; one
 * that takes two minutes is worth keeping longer); a lane whose boot is unknown keeps `idleMs`.
 *
 * Only agents that take work (fresh heartbeats, not draining) are counted and asked. The live
 * scheduler (`extras-trimmer.ts`) and the fleet simulator both decide with this. Pure.
 */
export function extrasToStop(
  agents: Iterable<AgentHeartbeat>,
  now: Date,
  staleMs: number,
  idleMs: number,
  perBoot?: { boots: number; minMs: number },
): ExtrasToStop[] {
  /** Per lane: how many instances are live, its longest boot, and its idle ones with when they were last used. */
  const lanes = new Map<
    string,
    { live: number; bootMs: number; idle: { agentId: string; usedAt: number; lane: string }[] }
  >();
  const meta = new Map<string, { versionId: string; deployment: string | null }>();
  for (const a of agents) {
    if (!takesWork(a, now, staleMs)) continue;
    for (const i of a.instances) {
      if (i.state === "failed") continue;
      const deployment = i.deployment ?? null;
      const lane = `${a.sku}\u0000${i.version_id}\u0000${deployment ?? ""}`;
      let l = lanes.get(lane);
      if (!l) {
        l = { live: 0, bootMs: -1, idle: [] };
        lanes.set(lane, l);
        meta.set(lane, { versionId: i.version_id, deployment });
      }
      l.live++;
      if (typeof i.boot_ms === "number") l.bootMs = Math.max(l.bootMs, i.boot_ms);
      if (i.state !== "ready" || i.running > 0 || i.leased || !i.last_used) continue;
      l.idle.push({ agentId: a.agent_id, usedAt: Date.parse(i.last_used), lane });
    }
  }
  const byAgent = new Map<string, ExtrasToStop>();
  for (const [lane, l] of lanes) {
    if (l.live < 2 || l.idle.length === 0) continue;
    const window =
      perBoot && l.bootMs >= 0
        ? Math.min(idleMs, Math.max(perBoot.minMs, Math.round(perBoot.boots * l.bootMs)))
        : idleMs;
    const cutoff = now.getTime() - window;
    const idle = l.idle.filter((i) => i.usedAt <= cutoff);
    // The lane keeps one live instance: when every one is idle, the one used last.
    const stops = Math.min(idle.length, l.live - 1);
    idle.sort((x, y) => x.usedAt - y.usedAt || (x.agentId < y.agentId ? -1 : x.agentId > y.agentId ? 1 : 0));
    const { versionId, deployment } = meta.get(lane) ?? { versionId: "", deployment: null };
    for (const { agentId } of idle.slice(0, stops)) {
      const key = `${agentId}\u0000${lane}`;
      const e = byAgent.get(key);
      if (e) e.count++;
      else byAgent.set(key, { agentId, versionId, deployment, count: 1, idleMs: window });
    }
  }
  return [...byAgent.values()];
}
