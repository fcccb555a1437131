import type { AgentHeartbeat } from "@gantry/contracts/agents";
import { TrimReply, type TrimRequest } from "@gantry/contracts/jobs";
import { subjects } from "@gantry/contracts/subjects";
import { decode, encode } from "@gantry/platform/codec";
import type { Logger } from "@gantry/platform/logger";
import type { Buckets } from "@gantry/platform/topology";
import type { NatsConnection } from "@nats-io/nats-core";
import { extrasToStop } from "./core/extras.ts";
import { leaderLease } from "./leader.ts";

const LEADER_KEY = "extras-trimmer";

/**
 * Extras go early (`ScalePolicy.extraIdleMs`, per lane in boot times with `extraIdlePerBoot`): once a tick, the scheduler holding the lease asks
 * agents to stop idle instances of a version while another instance of it serves on
 * (`core/extras.ts`), so a model keeps one warm instance for the agents' long idle window and the
 * instances booted for its peak go after the short one. One scheduler decides, on the fleet it sees:
 * two deciding at once could each stop a different one of a version's last two instances.
 */
export function startExtrasTrimmer(deps: {
  nc: NatsConnection;
  buckets: Buckets;
  agents: Map<string, AgentHeartbeat>;
  now: () => Date;
  log: Logger;
  schedulerId: string;
  staleMs: number;
  /** The extras window, or the longest of them with `perBoot` (`ScalePolicy.extraIdleMs`). */
  idleMs: number;
  /** Each lane's window in boot times, and the shortest (`ScalePolicy.extraIdlePerBoot`, `extraIdleMinMs`). */
  perBoot?: { boots: number; minMs: number };
  tickMs: number;
}): { stop(): Promise<void> } {
  const lead = leaderLease(deps.buckets.leases, LEADER_KEY, deps.schedulerId);
  const tick = async () => {
    const stops = extrasToStop(deps.agents.values(), deps.now(), deps.staleMs, deps.idleMs, deps.perBoot);
    if (stops.length === 0 || !(await lead())) return;
    for (const s of stops) {
      const req: TrimRequest = {
        version_id: s.versionId,
        deployment: s.deployment,
        count: Math.min(s.count, 64),
        idle_ms: s.idleMs,
      };
      await deps.nc
        .request(subjects.agentTrim(s.agentId), encode(req), { timeout: 5000 })
        .then((m) => decode(TrimReply, m.data, "trim reply"))
        .catch((err: unknown) => deps.log.warn("trim request failed", { agent_id: s.agentId, err: String(err) }));
    }
  };
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    running ??= tick()
      .catch((err: unknown) => deps.log.error("trimming extras failed", { err: String(err) }))
      .finally(() => {
        running = null;
      });
  }, deps.tickMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
