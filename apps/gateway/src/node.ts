import { randomId, randomToken } from "@gantry/platform/ids";
import { createLogger } from "@gantry/platform/logger";
import { ensureTopology } from "@gantry/platform/topology";
import { serve } from "@hono/node-server";
import { connect } from "@nats-io/transport-node";
import { createApp } from "./app.ts";
import { env } from "./env.ts";

const log = createLogger({ svc: "gateway" });
const nc = await connect({ servers: env.NATS_URL, name: "gateway", maxReconnectAttempts: -1, noAsyncTraces: true });
const buckets = await ensureTopology(nc, { replicas: env.GANTRY_NATS_REPLICAS, retentionMs: env.GANTRY_RETENTION_MS });
const app = createApp({
  nc,
  buckets,
  now: () => new Date(),
  newId: randomId,
  newToken: randomToken,
  log,
  publicUrl: env.GANTRY_PUBLIC_URL,
});
const server = serve({ fetch: app.fetch, port: env.GANTRY_PORT, hostname: env.GANTRY_HOST }, (info) => {
  log.info("gateway listening", { url: `http://${env.GANTRY_HOST}:${info.port}` });
});

const shutdown = () => {
  server.close();
  void nc.drain().finally(() => process.exit(0));
};
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
