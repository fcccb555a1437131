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
import { readerMetrics, requestMetrics } from "./metrics-node.ts";
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
  ...(metrics ? { observe: requestMetrics(metrics), onReaders: readerMetrics(metrics) } : {}),
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

/**
 * How long a stopping gateway lets the requests under way finish (a create waiting on `Prefer:
 * wait`, a stream) before it closes what is left; within Kubernetes' default 30 s grace.
 */
const STOP_GRACE_MS = 25_000;

// SIGINT and SIGTERM both stop (Ctrl-C reaches the whole process group, `npm start` adds SIGTERM):
// the second joins the first, since draining twice throws. New connections are refused at once;
// NATS is drained only after the requests under way have their answers: draining first answered
// them 503 although their prediction had been created (found by the rolling-restart run).
let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  const http = server as Server;
  wss.close();
  const closed = new Promise<void>((resolve) => http.close(() => resolve()));
  // Keep-alive connections between requests would hold `close` open: close each once it is idle.
  const idle = setInterval(() => http.closeIdleConnections(), 100);
  http.closeIdleConnections();
  const grace = new Promise<void>((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
  void Promise.race([closed, grace])
    .then(() => {
      clearInterval(idle);
      http.closeAllConnections();
      return nc.drain();
    })
    .finally(() => process.exit(0));
};
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
