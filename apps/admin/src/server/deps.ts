import { randomToken } from "@gantry/platform/ids";
import type { Logger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { Registry } from "@gantry/platform/registry";
import { openTopology, type TopologyOptions } from "@gantry/platform/topology";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { AdminDeps } from "./context.ts";
import { QueueSampler } from "./queue-sampler.ts";
import { SpendIndex } from "./spend-index.ts";

export interface AdminDepsOptions {
  nc: NatsConnection;
  now: () => Date;
  log: Logger;
  adminToken: string;
  topology: TopologyOptions;
  agentStaleMs?: number;
  /** How often the queue depth is sampled for the chart; 0 samples only on demand. */
  queueSampleMs?: number;
  newToken?: () => string;
}

/**
 * Everything the procedures use, built on one NATS connection: the buckets, the stores, the
 * queue sampler and the spend index (both started). `stop()` ends the background work.
 */
export async function createAdminDeps(o: AdminDepsOptions): Promise<AdminDeps & { stop(): void }> {
  const buckets = await openTopology(o.nc, { identity: "admin", log: o.log });
  const jsm = await jetstreamManager(o.nc);
  const queues = new QueueSampler(jsm, o.log, o.now);
  const spend = new SpendIndex(o.log, o.now);
  await spend.start(buckets.lineItems);
  if ((o.queueSampleMs ?? 0) > 0) queues.start(o.queueSampleMs ?? 0);
  return {
    nc: o.nc,
    jsm,
    buckets,
    store: new PredictionStore(buckets.predictions, o.nc),
    registry: new Registry(buckets),
    queues,
    spend,
    now: o.now,
    log: o.log,
    newToken: o.newToken ?? randomToken,
    adminToken: o.adminToken,
    agentStaleMs: o.agentStaleMs ?? 5000,
    stop() {
      queues.stop();
      spend.stop();
    },
  };
}
