import dns from "node:dns/promises";
import type { Server } from "node:http";
import { randomId, randomToken } from "@gantry/platform/ids";
import { createLogger } from "@gantry/platform/logger";
import { serveMetrics, serviceRegistry, watchNats } from "@gantry/platform/metrics";
import { connectService } from "@gantry/platform/nats-connect";
import { signingSecret } from "@gantry/platform/signing-secret";
import { openTopology } from "@gantry/platform/topology";
import { serve } from "@hono/node-server";
import { createApp } from "./app.ts";
import { answerClientErrors } from "./client-errors.ts";
import { env } from "./env.ts";
import { requestMetrics } from "./metrics-node.ts";
import { attachWebSocket } from "./ws-node.ts";

const log = createLogger({ svc: "gateway" });
const nc = await connectService("gateway", {
  url: env.NATS_URL,
  seed: env.NATS_NKEY_SEED,
  seedFile: env.NATS_NKEY_SEED_FILE,
  caFile: env.NATS_TLS_CA_FILE,
});
const buckets = await openTopology(nc, { identity: "gateway", log });
const metrics = env.GANTRY_METRICS_PORT !== undefined ? serviceRegistry("gateway") : null;
const { app, openWebSocket } = createApp({
  runtime: "node",
  ...(metrics ? { observe: requestMetrics(metrics) } : {}),
  nc,
  buckets,
  signingSecret: await signingSecret(buckets.accounts, env.GANTRY_SIGNING_SECRET),
  now: () => new Date(),
  newId: randomId,
  newToken: randomToken,
  log,
  publicUrl: env.GANTRY_PUBLIC_URL,
  webhooks: {
    allowPrivate: env.GANTRY_WEBHOOKS_ALLOW_PRIVATE,
    lookup: async (host) => (await dns.lookup(host, { all: true })).map((a) => a.address),
  },
  rateLimits: { createPerMinute: env.GANTRY_RATE_LIMIT_CREATE, otherPerMinute: env.GANTRY_RATE_LIMIT_OTHER },
});
const server = serve({ fetch: app.fetch, port: env.GANTRY_PORT, hostname: env.GANTRY_HOST }, (info) => {
  log.info("gateway listening", { url: `http://${env.GANTRY_HOST}:${info.port}` });
});

const wss = attachWebSocket(server as Server, openWebSocket);
if (metrics && env.GANTRY_METRICS_PORT !== undefined) {
  watchNats(nc, metrics);
  await serveMetrics(metrics, env.GANTRY_METRICS_PORT, env.GANTRY_METRICS_HOST);
  log.info("metrics served", { url: `http://${env.GANTRY_METRICS_HOST}:${env.GANTRY_METRICS_PORT}/metrics` });
}
answerClientErrors(server as Server);

// SIGINT and SIGTERM both stop (Ctrl-C reaches the whole process group, `npm start` adds SIGTERM):
// the second joins the first, since draining twice throws.
let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  wss.close();
  server.close();
  void nc.drain().finally(() => process.exit(0));
};
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
