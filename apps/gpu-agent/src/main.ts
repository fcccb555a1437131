import { createLogger } from "@gantry/platform/logger";
import { serveMetrics, serviceRegistry, watchNats } from "@gantry/platform/metrics";
import { connectService } from "@gantry/platform/nats-connect";
import { detectHardware, readGpuMemoryUsed } from "./detect.ts";
import { defaultAgentId, env, modelServerEnv } from "./env.ts";
import { agentMetrics } from "./metrics.ts";
import { startProbeResponder } from "./probe.ts";
import { start } from "./service.ts";

const agentId = env.GANTRY_AGENT_ID ?? defaultAgentId();
const log = createLogger({ svc: "gpu-agent", agent_id: agentId });
const hardware = await detectHardware(env.GANTRY_AGENT_SKU);
const nc = await connectService(
  "agent",
  { url: env.NATS_URL, seed: env.NATS_NKEY_SEED, seedFile: env.NATS_NKEY_SEED_FILE, caFile: env.NATS_TLS_CA_FILE },
  `gpu-agent-${agentId}`,
);
const svc = await start({
  nc,
  now: () => new Date(),
  log,
  config: {
    agentId,
    ...hardware,
    slots: env.GANTRY_AGENT_SLOTS,
    webhookPort: env.GANTRY_AGENT_PORT,
    modelsDir: env.GANTRY_MODELS_DIR,
    modelEnv: modelServerEnv,
    containerHostIp: env.GANTRY_AGENT_DOCKER_HOST_IP,
    stateDir: env.GANTRY_AGENT_STATE_DIR,
    heartbeatMs: env.GANTRY_HEARTBEAT_MS,
    idleStopMs: env.GANTRY_IDLE_STOP_MS,
    uptimeIntervalMs: env.GANTRY_UPTIME_INTERVAL_MS,
    setupTimeoutMs: env.GANTRY_SETUP_TIMEOUT_MS,
    topology: { replicas: env.GANTRY_NATS_REPLICAS, retentionMs: env.GANTRY_RETENTION_MS },
    publicUrl: env.GANTRY_PUBLIC_URL,
    cancelGraceMs: env.GANTRY_CANCEL_GRACE_MS,
    maxOutputFileBytes: env.GANTRY_MAX_OUTPUT_FILE_BYTES,
    gpuMemoryUsed: readGpuMemoryUsed,
    ...(env.GANTRY_TEST_CRASH_AFTER_TERMINAL_WRITE === "1"
      ? { afterTerminalWrite: () => process.kill(process.pid, "SIGKILL") }
      : {}),
    ...(env.GANTRY_SIGNING_SECRET ? { signingSecret: env.GANTRY_SIGNING_SECRET } : {}),
  },
});

if (env.GANTRY_METRICS_PORT !== undefined) {
  const metrics = serviceRegistry("agent");
  watchNats(nc, metrics);
  agentMetrics(metrics, () => svc.instances(), hardware.sku);
  await serveMetrics(metrics, env.GANTRY_METRICS_PORT, env.GANTRY_METRICS_HOST);
  log.info("metrics served", { url: `http://${env.GANTRY_METRICS_HOST}:${env.GANTRY_METRICS_PORT}/metrics` });
}

// Versions created from a command or an image are read here, where they will run.
const probes = startProbeResponder({
  nc,
  log,
  now: () => new Date(),
  cwd: env.GANTRY_MODELS_DIR,
  inheritedEnv: modelServerEnv,
  timeoutMs: env.GANTRY_PROBE_TIMEOUT_MS,
});

// SIGINT or SIGTERM stops politely: the agent drains (finishes what it holds, takes nothing new)
// for up to GANTRY_AGENT_DRAIN_MS. A second signal cuts the drain short: Ctrl-C in a terminal sends
// SIGINT to the whole process group while `npm start` sends SIGTERM too, so a local stop is quick.
let stopping: Promise<void> | undefined;
const cutShort = new AbortController();
const shutdown = () => {
  if (stopping) {
    cutShort.abort();
    return stopping;
  }
  stopping = (async () => {
    probes.unsubscribe();
    await svc.drain(env.GANTRY_AGENT_DRAIN_MS, cutShort.signal);
    await svc.stop();
    await nc.drain();
    process.exit(0);
  })();
  return stopping;
};
process.on("SIGTERM", () => void shutdown());
process.on("SIGINT", () => void shutdown());
