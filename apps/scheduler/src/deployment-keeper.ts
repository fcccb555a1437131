import { DeploymentRecord } from "@gantry/contracts/deployments";
import { WarmReply, type WarmRequest } from "@gantry/contracts/jobs";
import { subjects } from "@gantry/contracts/subjects";
import { decode, encode } from "@gantry/platform/codec";
import { listKeys } from "@gantry/platform/kv-keys";
import type { Logger } from "@gantry/platform/logger";
import type { Registry } from "@gantry/platform/registry";
import type { Buckets } from "@gantry/platform/topology";
import type { NatsConnection } from "@nats-io/nats-core";
import { bootTickets } from "./boot-ticket.ts";
import { planWarm } from "./core/warm-plan.ts";
import { readHeartbeats } from "./heartbeats.ts";

const LEADER_KEY = "deployment-keeper";

/**
 * Keeps every deployment's `min_instances` booted: each tick, the one scheduler holding the
 * `leases` key (it expires within seconds unless renewed, so a dead leader is replaced) plans
 * where the instances should be and asks those agents to keep them warm, under a lease a few
 * ticks long. When a deployment's minimum drops, the leases lapse and the agents stop the idle
 * servers after their idle window.
 */
export function startDeploymentKeeper(deps: {
  nc: NatsConnection;
  buckets: Buckets;
  registry: Registry;
  now: () => Date;
  log: Logger;
  schedulerId: string;
  staleMs: number;
  tickMs: number;
}): { stop(): void } {
  const { buckets, registry, log } = deps;
  const tickets = bootTickets(buckets.leases, deps.schedulerId);

  const lead = async (): Promise<boolean> => {
    const entry = await buckets.leases.get(LEADER_KEY);
    if (entry?.operation === "PUT" && entry.string() !== deps.schedulerId) return false;
    try {
      if (entry?.operation === "PUT") await buckets.leases.update(LEADER_KEY, deps.schedulerId, entry.revision);
      else await buckets.leases.create(LEADER_KEY, deps.schedulerId);
      return true;
    } catch {
      return false; // another scheduler renewed or took it first
    }
  };

  const tick = async () => {
    if (!(await lead())) return;
    for (const key of await listKeys(buckets.deployments)) {
      const entry = await buckets.deployments.get(key);
      if (entry?.operation !== "PUT") continue;
      const d = decode(DeploymentRecord, entry.value, "deployment");
      if (d.min_instances === 0) continue;
      // Warm-ups boot too: under the deployment's boot ticket, as placements' boots are, so the two
      // never pass `max_instances` together. Held elsewhere: this deployment waits for the next tick.
      const ticket = await tickets.take(key);
      if (!ticket) continue;
      try {
        await keepWarm(key, d);
      } finally {
        await ticket.release();
      }
    }
  };

  const keepWarm = async (key: string, d: DeploymentRecord) => {
    const version = await registry.getVersion(d.version);
    if (!version) return;
    const plan = planWarm(
      await readHeartbeats(buckets.agents),
      { versionId: d.version, deployment: key, hardware: d.hardware, minInstances: d.min_instances },
      deps.now(),
      deps.staleMs,
    );
    for (const [agentId, count] of plan) {
      const req: WarmRequest = {
        version_id: version.id,
        runtime: version.runtime,
        concurrency: version.concurrency,
        count,
        lease_ms: deps.tickMs * 4,
        deployment: key,
        billing: "uptime",
        account_id: d.account_id,
        model: d.model,
      };
      await deps.nc
        .request(subjects.agentWarm(agentId), encode(req), { timeout: 5000 })
        .then((m) => decode(WarmReply, m.data, "warm reply"))
        .catch((err: unknown) => log.warn("warm request failed", { agent_id: agentId, err: String(err) }));
    }
  };

  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    tick()
      .catch((err: unknown) => log.error("deployment keeper failed", { err: String(err) }))
      .finally(() => {
        running = false;
      });
  }, deps.tickMs);
  return { stop: () => clearInterval(timer) };
}
