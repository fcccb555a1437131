import { randomToken } from "@gantry/platform/ids";
import { createLogger } from "@gantry/platform/logger";
import { connect } from "@nats-io/transport-node";
import { env } from "./env.ts";
import { DEFAULT_WEB_DIR, start } from "./service.ts";

const log = createLogger({ svc: "admin" });
const adminToken = env.GANTRY_ADMIN_TOKEN ?? randomToken();
const nc = await connect({ servers: env.NATS_URL, name: "admin", maxReconnectAttempts: -1, noAsyncTraces: true });
const svc = await start({
  nc,
  now: () => new Date(),
  log,
  config: {
    port: env.GANTRY_ADMIN_PORT,
    host: env.GANTRY_ADMIN_HOST,
    adminToken,
    apiUrl: env.GANTRY_API_URL,
    webDir: env.GANTRY_ADMIN_WEB_DIR ?? DEFAULT_WEB_DIR,
    agentStaleMs: env.GANTRY_AGENT_STALE_MS,
    topology: { replicas: env.GANTRY_NATS_REPLICAS, retentionMs: env.GANTRY_RETENTION_MS },
  },
});
if (!env.GANTRY_ADMIN_TOKEN) {
  process.stdout.write(
    `Admin console ${svc.url}\n  admin token  ${adminToken}   (generated; set GANTRY_ADMIN_TOKEN to choose one)\n`,
  );
}

const shutdown = async () => {
  await svc.stop();
  await nc.drain();
  process.exit(0);
};
process.once("SIGTERM", () => void shutdown());
process.once("SIGINT", () => void shutdown());
