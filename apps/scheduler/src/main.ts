import { createLogger } from "@gantry/platform/logger";
import { serveMetrics, serviceRegistry, watchNats } from "@gantry/platform/metrics";
import { connectService } from "@gantry/platform/nats-connect";
import { env } from "./env.ts";
import { placementMetrics, predictionMetrics, webhookMetrics } from "./metrics.ts";
import { start } from "./service.ts";

const log = createLogger({ svc: "scheduler" });
const nc = await connectService("scheduler", {
  url: env.NATS_URL,
  seed: env.NATS_NKEY_SEED,
  seedFile: env.NATS_NKEY_SEED_FILE,
  caFile: env.NATS_TLS_CA_FILE,
});
const metrics = env.GANTRY_METRICS_PORT !== undefined ? serviceRegistry("scheduler") : null;
const svc = await start({
  nc,
  now: () => new Date(),
  log,
  ...(metrics ? { onPlaced: placementMetrics(metrics), onWebhook: webhookMetrics(metrics) } : {}),
  config: {
    agentStaleMs: env.GANTRY_AGENT_STALE_MS,
    runTimeoutMs: env.GANTRY_RUN_TIMEOUT_MS,
    trainingTimeoutMs: env.GANTRY_TRAINING_TIMEOUT_MS,
    retryDelayMs: env.GANTRY_RETRY_DELAY_MS,
    scale: {
      scaleUpAfterMs: env.GANTRY_SCALE_UP_AFTER_MS,
      evictIdleMs: env.GANTRY_EVICT_IDLE_MS,
      starveAfterMs: env.GANTRY_STARVE_AFTER_MS,
      unbound: env.GANTRY_SCALE_UNBOUND,
      ...(env.GANTRY_SCALE_EXTRA_IDLE_MS > 0 ? { extraIdleMs: env.GANTRY_SCALE_EXTRA_IDLE_MS } : {}),
      ...(env.GANTRY_SCALE_EXTRA_IDLE_PER_BOOT > 0
        ? { extraIdlePerBoot: env.GANTRY_SCALE_EXTRA_IDLE_PER_BOOT, extraIdleMinMs: env.GANTRY_SCALE_EXTRA_IDLE_MIN_MS }
        : {}),
      ...(env.GANTRY_SCALE_DRAIN_HORIZON_MS > 0 ? { drainHorizonMs: env.GANTRY_SCALE_DRAIN_HORIZON_MS } : {}),
    },
    topology: { replicas: env.GANTRY_NATS_REPLICAS, retentionMs: env.GANTRY_RETENTION_MS },
    webhooks: {
      publicUrl: env.GANTRY_PUBLIC_URL,
      allowPrivate: env.GANTRY_WEBHOOKS_ALLOW_PRIVATE,
      timeoutMs: env.GANTRY_WEBHOOK_TIMEOUT_MS,
    },
  },
});

if (metrics && env.GANTRY_METRICS_PORT !== undefined) {
  watchNats(nc, metrics);
  predictionMetrics(metrics, nc); // ends with the connection's drain
  await serveMetrics(metrics, env.GANTRY_METRICS_PORT, env.GANTRY_METRICS_HOST);
  log.info("metrics served", { url: `http://${env.GANTRY_METRICS_HOST}:${env.GANTRY_METRICS_PORT}/metrics` });
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
