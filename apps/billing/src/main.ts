import { createLogger } from "@gantry/platform/logger";
import { serveMetrics, serviceRegistry, watchNats } from "@gantry/platform/metrics";
import { connectService } from "@gantry/platform/nats-connect";
import { DEFAULT_PRICES } from "./core/prices.ts";
import { env } from "./env.ts";
import { billingMetrics } from "./metrics.ts";
import { start } from "./service.ts";

const log = createLogger({ svc: "billing" });
const nc = await connectService("billing", {
  url: env.NATS_URL,
  seed: env.NATS_NKEY_SEED,
  seedFile: env.NATS_NKEY_SEED_FILE,
  caFile: env.NATS_TLS_CA_FILE,
});
const svc = await start({
  nc,
  log,
  config: {
    prices: [...DEFAULT_PRICES, ...env.GANTRY_PRICES],
    batchSize: env.GANTRY_BILLING_BATCH,
    lingerMs: env.GANTRY_BILLING_LINGER_MS,
    invoiceGraceMs: env.GANTRY_BILLING_INVOICE_GRACE_MS,
    topology: { replicas: env.GANTRY_NATS_REPLICAS, retentionMs: env.GANTRY_RETENTION_MS },
  },
});

if (env.GANTRY_METRICS_PORT !== undefined) {
  const metrics = serviceRegistry("billing");
  watchNats(nc, metrics);
  billingMetrics(metrics, nc, () => svc.position);
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
