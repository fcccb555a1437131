import { randomToken } from "@gantry/platform/ids";
import { createLogger } from "@gantry/platform/logger";
import { connectService } from "@gantry/platform/nats-connect";
import { env } from "./env.ts";
import { DEFAULT_WEB_DIR, start } from "./service.ts";

const log = createLogger({ svc: "admin" });
const adminToken = env.GANTRY_ADMIN_TOKEN ?? randomToken();
const nc = await connectService("admin", {
  url: env.NATS_URL,
  seed: env.NATS_NKEY_SEED,
  seedFile: env.NATS_NKEY_SEED_FILE,
  caFile: env.NATS_TLS_CA_FILE,
});
const svc = await start({
  nc,
  now: () => new Date(),
  log,
  config: {
    port: env.GANTRY_ADMIN_PORT,
    host: env.GANTRY_ADMIN_HOST,
    adminToken,
    apiUrl: env.GANTRY_API_URL,
    publicUrl: env.GANTRY_PUBLIC_URL,
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

// SIGINT and SIGTERM both stop; Ctrl-C in a terminal sends SIGINT to the whole process group while
// `npm start` sends SIGTERM too: the second signal joins the stop under way (draining twice throws).
let stopping: Promise<void> | undefined;
const shutdown = () => {
  stopping ??= (async () => {
    await svc.stop();
    await nc.drain();
    process.exit(0);
  })();
  return stopping;
};
process.once("SIGTERM", () => void shutdown());
process.once("SIGINT", () => void shutdown());
