import { DeploymentRecord } from "@gantry/contracts/deployments";
import { PredictionChanged } from "@gantry/contracts/events";
import { WarmReply, type WarmRequest } from "@gantry/contracts/jobs";
import { isTerminal } from "@gantry/contracts/prediction";
import { subjects } from "@gantry/contracts/subjects";
import { decode, encode } from "@gantry/platform/codec";
import { listKeys } from "@gantry/platform/kv-keys";
import type { Logger } from "@gantry/platform/logger";
import { DEPLOYMENT_HEADER } from "@gantry/platform/prediction-store";
import type { Registry } from "@gantry/platform/registry";
import type { Buckets } from "@gantry/platform/topology";
import type { NatsConnection } from "@nats-io/nats-core";
import { LRUCache } from "lru-cache";
import { bootTickets } from "./boot-ticket.ts";
import { laneOf } from "./core/dispatch.ts";
import { DemandTracker, deploymentWarm, resolveScaling } from "./core/warm-demand.ts";
import { planWarm } from "./core/warm-plan.ts";
import { readHeartbeats } from "./heartbeats.ts";
import { leaderLease } from "./leader.ts";
import type { followNotices } from "./notices.ts";

const LEADER_KEY = "deployment-keeper";

/**
 * Keeps every deployment's warm instances booted: `min_instances`, and for a deployment with
 * scaling knobs (its own or its model's) the pre-warm target of `core/warm-demand.ts` (the demand
 * estimate from recent arrivals, the buffer, the scale-down window, scheduled windows), within
 * `max_instances`. Each tick, the one scheduler holding the `leases` key (it expires within seconds
 * unless renewed, so a dead leader is replaced) plans where the instances should be and asks those
 * agents to keep them warm, under a lease a few ticks long. When the target drops, the leases lapse
 * and the agents stop the idle servers after their idle window. Every scheduler follows the
 * predictions' change notices (arrivals, predict times), so whichever leads has the estimate.
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
  notices: ReturnType<typeof followNotices>;
}): { stop(): void } {
  const { buckets, registry, log } = deps;
  const tickets = bootTickets(buckets.leases, deps.schedulerId);
  const demand = new DemandTracker();
  /** Predictions of deployments seen arriving and not yet finished (bounded: the oldest are forgotten). */
  const inflight = new LRUCache<string, true>({ max: 100_000 });
  deps.notices.on((m) => {
    // Only deployments' predictions count, and they say so in a header: the rest is not decoded.
    if (m.headers?.get(DEPLOYMENT_HEADER) !== "1") return;
    try {
      const r = decode(PredictionChanged, m.data, "prediction change").record;
      if (!r.deployment) return;
      const lane = laneOf({ hardware: r.hardware, version_id: r.version, deployment: r.deployment });
      const at = deps.now().getTime();
      // A prediction's first notice is its arrival; its terminal one ends it (if its arrival was seen).
      if (!isTerminal(r.status)) {
        if (!inflight.has(r.id)) demand.arrive(lane, at);
        inflight.set(r.id, true);
      } else if (inflight.delete(r.id)) {
        const ran = r.metrics.predict_time;
        demand.finished(lane, typeof ran === "number" ? ran * 1000 : null, at);
      }
    } catch (err) {
      log.warn("bad change notice", { err: String(err) });
    }
  });

  const lead = leaderLease(buckets.leases, LEADER_KEY, deps.schedulerId);

  const tick = async () => {
    if (!(await lead())) return;
    demand.prune(deps.now().getTime(), 3_600_000);
    for (const key of await listKeys(buckets.deployments)) {
      const entry = await buckets.deployments.get(key);
      if (entry?.operation !== "PUT") continue;
      const d = decode(DeploymentRecord, entry.value, "deployment");
      const count = await warmCount(key, d);
      if (count === 0) continue;
      // Warm-ups boot too: under the deployment's boot ticket, as placements' boots are, so the two
      // never pass `max_instances` together. Held elsewhere: this deployment waits for the next tick.
      const ticket = await tickets.take(key);
      if (!ticket) continue;
      try {
        await keepWarm(key, d, count);
      } finally {
        await ticket.release();
      }
    }
  };

  /** `min_instances`, or with scaling knobs (the deployment's or its model's) the pre-warm target. */
  const warmCount = async (key: string, d: DeploymentRecord): Promise<number> => {
    const [owner = "", name = ""] = d.model.split("/");
    const model = await registry.getModel(owner, name);
    if (!d.scaling && !model?.scaling) return d.min_instances;
    const version = await registry.getVersion(d.version);
    const scaling = resolveScaling(d.scaling, model?.scaling, version?.concurrency ?? 1);
    const lane = laneOf({ hardware: d.hardware, version_id: d.version, deployment: key });
    return deploymentWarm(demand.target(lane, deps.now().getTime(), scaling), d.min_instances, d.max_instances);
  };

  const keepWarm = async (key: string, d: DeploymentRecord, count: number) => {
    const version = await registry.getVersion(d.version);
    if (!version) return;
    const plan = planWarm(
      await readHeartbeats(buckets.agents),
      { versionId: d.version, deployment: key, hardware: d.hardware, minInstances: count },
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
  return {
    stop: () => {
      clearInterval(timer);
    },
  };
}
