import dns from "node:dns/promises";
import { randomId, randomToken } from "@gantry/platform/ids";
import { createLogger } from "@gantry/platform/logger";
import { signingSecret } from "@gantry/platform/signing-secret";
import { ensureTopology } from "@gantry/platform/topology";
import { serve } from "@hono/node-server";
import { connect } from "@nats-io/transport-node";
import { WebSocketServer } from "ws";
import { createApp } from "./app.ts";
import { env } from "./env.ts";

const log = createLogger({ svc: "gateway" });
const nc = await connect({ servers: env.NATS_URL, name: "gateway", maxReconnectAttempts: -1, noAsyncTraces: true });
const buckets = await ensureTopology(nc, { replicas: env.GANTRY_NATS_REPLICAS, retentionMs: env.GANTRY_RETENTION_MS });
const { app, openWebSocket } = createApp({
  runtime: "node",
  nc,
  buckets,
  signingSecret: await signingSecret(buckets.accounts, env.GANTRY_SIGNING_SECRET),
  now: () => new Date(),
  newId: randomId,
  newToken: randomToken,
  log,
  publicUrl: env.GANTRY_PUBLIC_URL,
  allowVersionCommands: env.GANTRY_ALLOW_VERSION_COMMANDS,
  webhooks: {
    allowPrivate: env.GANTRY_WEBHOOKS_ALLOW_PRIVATE,
    lookup: async (host) => (await dns.lookup(host, { all: true })).map((a) => a.address),
  },
  rateLimits: { createPerMinute: env.GANTRY_RATE_LIMIT_CREATE, otherPerMinute: env.GANTRY_RATE_LIMIT_OTHER },
});
const server = serve({ fetch: app.fetch, port: env.GANTRY_PORT, hostname: env.GANTRY_HOST }, (info) => {
  log.info("gateway listening", { url: `http://${env.GANTRY_HOST}:${info.port}` });
});

const wss = new WebSocketServer({ noServer: true });
server.on("upgrade", (req, socket, head) => {
  if (new URL(req.url ?? "/", "http://x").pathname !== "/v1/ws") return socket.destroy();
  wss.handleUpgrade(req, socket, head, (ws) => {
    const session = openWebSocket({
      send: (text) => ws.send(text),
      bufferedAmount: () => ws.bufferedAmount,
      close: (code, reason) => ws.close(code, reason),
    });
    ws.on("message", (data) => session.onMessage(String(data)));
    ws.on("close", () => void session.onClose());
  });
});

const shutdown = () => {
  wss.close();
  server.close();
  void nc.drain().finally(() => process.exit(0));
};
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
