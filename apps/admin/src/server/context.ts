import type { Logger } from "@gantry/platform/logger";
import type { PredictionStore } from "@gantry/platform/prediction-store";
import type { Registry } from "@gantry/platform/registry";
import type { Buckets } from "@gantry/platform/topology";
import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { QueueSampler } from "./queue-sampler.ts";
import type { SpendIndex } from "./spend-index.ts";

/** What every procedure may use: connections and stores, built once by `start()` (or a test). */
export interface AdminDeps {
  nc: NatsConnection;
  jsm: JetStreamManager;
  buckets: Buckets;
  store: PredictionStore;
  registry: Registry;
  /** Queue depth per SKU over time (sampled in the background). */
  queues: QueueSampler;
  /** Billed line items bucketed by time, kept current by a watch on the `line-items` bucket. */
  spend: SpendIndex;
  now: () => Date;
  log: Logger;
  newToken: () => string;
  /** The console's bearer token. */
  adminToken: string;
  agentStaleMs: number;
}

/** The credentials a request carried, from its headers (never from its URL). */
export interface Credentials {
  /** `Authorization` header (`Bearer <admin token>`). */
  bearer: string | null;
  /** A user's API token (`X-Gantry-Api-Token` header): the dashboard's procedures. */
  apiToken: string | null;
}

export type Context = AdminDeps & Credentials;

const bearer = (value: string | null) => {
  const m = /^(?:Bearer|Token)\s+(.+)$/i.exec(value ?? "");
  return m?.[1]?.trim() || null;
};

/**
 * Credentials from the request headers. Subscriptions send them as headers too (the web UI's
 * EventSource is fetch-based); tokens in the URL (tRPC's `connectionParams`) are not read.
 */
export function credentialsFrom(headers: Headers): Credentials {
  return {
    bearer: bearer(headers.get("authorization")),
    apiToken: headers.get("x-gantry-api-token") || null,
  };
}
