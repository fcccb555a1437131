import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentHeartbeat, GpuInfo } from "@gantry/contracts/agents";
import {
  type CancelReply,
  CancelRequest,
  type RunReply,
  RunRequest,
  type TrainingTarget,
  type TrimReply,
  TrimRequest,
  type WarmReply,
  WarmRequest,
} from "@gantry/contracts/jobs";
import { subjects } from "@gantry/contracts/subjects";
import { decode, encode } from "@gantry/platform/codec";
import type { Logger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { Registry } from "@gantry/platform/registry";
import { ServerLedger } from "@gantry/platform/server-ledger";
import { signingSecret } from "@gantry/platform/signing-secret";
import { openTopology, type TopologyOptions } from "@gantry/platform/topology";
import { jetstream } from "@nats-io/jetstream";
import type { Msg, NatsConnection } from "@nats-io/nats-core";
import { startBootNotes } from "./boot-notes.ts";
import { withMemoryUsed } from "./core/hardware.ts";
import { webhookUrlForContainer } from "./core/server-launch.ts";
import { parseSnapshot } from "./core/snapshot.ts";
import { InstancePool, specOf } from "./instance-pool.ts";
import type { ModelInstance } from "./model-instance.ts";
import { OutputFiles } from "./output-files.ts";
import { RunTracker } from "./run-tracker.ts";
import { type Run, Runner } from "./runner.ts";
import { trainedVersion } from "./trained-version.ts";
import { Uploads } from "./uploads.ts";
import { UptimeMeter } from "./uptime-meter.ts";
import { startWebhookServer } from "./webhook-server.ts";
import { WeightsCache } from "./weights-cache.ts";
import { WeightsEndpoint } from "./weights-endpoint.ts";

export interface AgentConfig {
  agentId: string;
  sku: string;
  emulated: boolean;
  gpus: GpuInfo[];
  /** Model instances this host holds at once. */
  slots: number;
  /** Port for model-server webhooks (0 = any). */
  webhookPort: number;
  /** Working directory of `command` runtimes. */
  modelsDir: string;
  /** The host's address on Docker's default bridge: `image` servers post their webhooks there. */
  containerHostIp?: string;
  /** What `command` model servers inherit of the agent's environment (`inheritedEnv()`); a PATH only when unset. */
  modelEnv?: Record<string, string>;
  heartbeatMs: number;
  /** A model server that ran nothing for this long (and is not kept warm) is stopped. */
  idleStopMs: number;
  setupTimeoutMs: number;
  topology: TopologyOptions;
  /** The API's public origin, for the download URLs of output files (default http://127.0.0.1:8787). */
  publicUrl?: string;
  /** The URL-signing key when configured; otherwise the one shared through the `accounts` bucket. */
  signingSecret?: string;
  /** After a cancel (or timeout), how long a model server has to end the prediction before it is killed. */
  cancelGraceMs?: number;
  /** A test's crash point between a terminal write and its usage report (see RunContext). */
  afterTerminalWrite?: () => void;
  /** How often ready model servers' `/health-check` is read (0 = never). */
  healthIntervalMs?: number;
  /**
   * Where the agent records the model servers it runs (a file per agent id), so that after a
   * crash the next agent of the same id stops what was left running. None: not recorded.
   */
  stateDir?: string;
  /** How often the up time of instances billed by up time is reported (default 60 s). */
  uptimeIntervalMs?: number;
  /** Output files and trained weights must be smaller than this (default {@link MAX_OUTPUT_FILE_BYTES}). */
  maxOutputFileBytes?: number;
  /** Reads GPU memory in use for heartbeats (GPU hosts). */
  gpuMemoryUsed?: () => Promise<Map<number, number>>;
}

/** Output files' default limit: 5 GiB. */
export const MAX_OUTPUT_FILE_BYTES = 5 * 1024 ** 3;
/** Uploaded output files no output named within this long are deleted. */
export const UNCLAIMED_UPLOAD_MS = 15 * 60_000;

export interface AgentDeps {
  nc: NatsConnection;
  now: () => Date;
  log: Logger;
  config: AgentConfig;
}

export interface Agent {
  /** The model servers of this host (for tests and diagnostics). */
  instances(): readonly ModelInstance[];
  /**
   * A polite stop's first half: takes nothing new (its heartbeat says `draining`, so schedulers
   * place elsewhere, and a run offered meanwhile is refused) and waits until every prediction it
   * holds has ended and stored its end, or `timeoutMs` passed, or `signal` aborted. What is left
   * then is the reaper's, as after a crash.
   */
  drain(timeoutMs: number, signal?: AbortSignal): Promise<{ left: number }>;
  stop(): Promise<void>;
}

/** The GPU agent: turns this host into capacity, runs predictions on Cog model servers. */
export async function start({ nc, now, log, config }: AgentDeps): Promise<Agent> {
  const buckets = await openTopology(nc, { identity: "agent", log });
  const store = new PredictionStore(buckets.predictions, nc);
  const js = jetstream(nc);
  const fileDeps = {
    objects: buckets.objects,
    files: buckets.files,
    secret: await signingSecret(buckets.accounts, config.signingSecret),
    publicUrl: config.publicUrl ?? "http://127.0.0.1:8787",
    retentionMs: config.topology.retentionMs,
    maxBytes: config.maxOutputFileBytes ?? MAX_OUTPUT_FILE_BYTES,
    now,
  };
  const runs = new Map<string, Run>();
  const ledger = config.stateDir
    ? new ServerLedger(join(config.stateDir, `agent-${config.agentId}.servers.json`))
    : null;
  ledger?.reapLeftovers(log);
  const startedAt = now().toISOString();
  const registry = new Registry(buckets);
  const weights = new WeightsCache(
    buckets.objects,
    join(config.stateDir ?? tmpdir(), `gantry-weights-${config.agentId}`),
  );
  const uploads = new Uploads({
    objects: buckets.objects,
    maxBytes: fileDeps.maxBytes,
    isLive: (id: string): boolean => pool.list().some((i: ModelInstance) => i.id === id),
    now,
    log,
  });
  const weightsEndpoint = new WeightsEndpoint();
  /** The agent's HTTP origin as a model server reaches it (a container by the host's name). */
  const originFor = (inContainer: boolean): string =>
    inContainer ? webhookUrlForContainer(webhooks.origin) : webhooks.origin;
  const meter = new UptimeMeter({ js, agentId: config.agentId, hardware: config.sku, now, log });
  const pool: InstancePool = new InstancePool({
    slots: config.slots,
    maxRestarts: 5,
    restartWindowMs: 60_000,
    instance: {
      cwd: config.modelsDir,
      ...(config.modelEnv ? { inheritedEnv: config.modelEnv } : {}),
      setupTimeoutMs: config.setupTimeoutMs,
      healthIntervalMs: config.healthIntervalMs ?? 2000,
      gpus: config.gpus.length > 0,
      ...(ledger ? { ledger } : {}),
      fetchWeights: (name) => weights.path(name),
      uploadUrl: (id: string, inContainer: boolean): string => uploads.base(originFor(inContainer), id),
      weightsUrl: (id: string, file: string, inContainer: boolean): string =>
        weightsEndpoint.url(originFor(inContainer), id, file),
    },
    log,
    now,
    onLaunched: (instance) => meter.launched(instance),
    onGone: (instance) => {
      weightsEndpoint.forget(instance.id);
      void meter.gone(instance);
    },
    onLost: (instance, reason) => {
      for (const id of [...instance.running]) {
        const run = runs.get(id);
        if (run) void runner.end(run, `${reason} while the prediction was running.`);
      }
    },
  });

  const webhooks = await startWebhookServer(
    config.webhookPort,
    (id, body) => {
      const run = runs.get(id);
      const snap = parseSnapshot(body);
      if (run && snap) runner.snapshot(run, snap);
    },
    {
      ...(config.containerHostIp ? { containerHostIp: config.containerHostIp } : {}),
      onUpload: (req, res) => void uploads.handle(req, res),
      onWeights: (req, res) => void weightsEndpoint.handle(req, res),
    },
  );
  // Predictions waiting for a cold boot hear its phase and setup logs, once a second at most.
  const bootNotes = startBootNotes({ runs, pool, intervalMs: 1000 });
  const runner = new Runner({
    runs,
    now,
    log,
    webhookUrl: webhooks.url,
    cancelGraceMs: config.cancelGraceMs ?? 10_000,
    onFreed: () => soonHeartbeat(),
  });

  let gpus = config.gpus;
  let memoryReadAt = 0;
  const heartbeat = async () => {
    // `nvidia-smi` costs a process start: GPU memory is read every 10 s at most.
    if (config.gpuMemoryUsed && gpus.length > 0 && now().getTime() - memoryReadAt >= 10_000) {
      memoryReadAt = now().getTime();
      gpus = withMemoryUsed(gpus, await config.gpuMemoryUsed());
    }
    const hb: AgentHeartbeat = {
      agent_id: config.agentId,
      sku: config.sku,
      emulated: config.emulated,
      gpus,
      slots: config.slots,
      instances: pool.statuses(),
      at: now().toISOString(),
      started_at: startedAt,
      running: [...new Set([...runs.keys(), ...ending])],
      ...(draining ? { draining: true } : {}),
    };
    await buckets.agents.put(config.agentId, encode(hb));
  };
  /** One extra heartbeat soon after capacity frees (several frees in a burst share it). */
  let soon: NodeJS.Timeout | undefined;
  const soonHeartbeat = () => {
    soon ??= setTimeout(() => {
      soon = undefined;
      void heartbeat().catch(() => {});
    }, 5);
  };

  /** Predictions whose end (terminal write and usage report) is not stored yet, run or not. */
  const ending = new Set<string>();
  /** Set by `drain`: nothing new is taken. */
  let draining = false;
  const held = () => new Set([...runs.keys(), ...ending]).size;
  const newRun = (req: RunRequest, instance: ModelInstance): Run => {
    ending.add(req.prediction_id);
    return runOf(req, instance);
  };
  const runOf = (req: RunRequest, instance: ModelInstance): Run => ({
    req,
    instance,
    timers: [],
    onServer: false,
    released: false,
    cancelRequested: false,
    tracker: new RunTracker({
      predictionId: req.prediction_id,
      accountId: req.account_id,
      model: req.model,
      versionId: req.version_id,
      agentId: config.agentId,
      hardware: req.hardware,
      streams: req.streams,
      billing: req.billing ?? "predict",
      deployment: req.deployment ?? null,
      price: req.price,
      store,
      js,
      log,
      now,
      progressIntervalMs: 250,
      files: new OutputFiles(fileDeps, req.account_id, req.prediction_id, { uploads, instanceId: instance.id }),
      ...(config.afterTerminalWrite ? { afterTerminalWrite: config.afterTerminalWrite } : {}),
      onDone: () => ending.delete(req.prediction_id),
      ...(req.training ? { training: trainingOf(req, req.training, instance) } : {}),
    }),
  });
  const trainingOf = (req: RunRequest, target: TrainingTarget, instance: ModelInstance) =>
    trainedVersion(
      { registry, objects: buckets.objects, now, log, uploads: { uploads, instanceId: instance.id } },
      req.prediction_id,
      req.account_id,
      target,
    );

  const onRun = async (msg: Msg) => {
    let reply: RunReply;
    try {
      const req = decode(RunRequest, msg.data, "run request");
      if (runs.has(req.prediction_id)) {
        reply = { accepted: true, cold_boot: false, incarnation: startedAt };
      } else if (draining) {
        reply = { accepted: false, reason: "draining" };
      } else {
        const placed = await pool.place(req);
        if (!placed) {
          reply = { accepted: false, reason: "no free slot" };
        } else {
          placed.instance.running.add(req.prediction_id);
          placed.instance.lastUsed = now();
          // A new instance is in the heartbeat before the scheduler hears the answer: a scheduler
          // deciding the next boot under `max_instances` reads it there.
          if (placed.cold) await heartbeat().catch(() => {});
          const run = newRun(req, placed.instance);
          runs.set(req.prediction_id, run);
          // Answered once the model server has it, or as soon as the agent knows it must wait for it.
          const outcome = await runner.execute(run);
          if (outcome.accepted) {
            reply = { accepted: true, cold_boot: placed.cold, incarnation: startedAt };
          } else {
            // Its server was full after all: nothing of it was stored here; the scheduler places it again.
            ending.delete(req.prediction_id);
            reply = { accepted: false, reason: outcome.reason };
            await heartbeat().catch(() => {});
          }
        }
      }
    } catch (err) {
      log.error("bad run request", { err: String(err) });
      reply = { accepted: false, reason: "bad request" };
    }
    msg.respond(encode(reply));
  };

  const onCancel = async (msg: Msg) => {
    let reply: CancelReply = { found: false };
    try {
      const { prediction_id: id } = decode(CancelRequest, msg.data, "cancel request");
      const run = runs.get(id);
      if (run) reply = { found: await runner.cancel(run) };
    } catch (err) {
      log.warn("bad cancel request", { err: String(err) });
    }
    msg.respond(encode(reply));
  };

  const onWarm = async (msg: Msg) => {
    let reply: WarmReply = { instances: 0 };
    try {
      const req = decode(WarmRequest, msg.data, "warm request");
      const until = now().getTime() + req.lease_ms;
      // A draining agent keeps nothing warm: the keeper finds the instances elsewhere.
      if (!draining) reply = { instances: await pool.warm(specOf(req), req.count, until) };
    } catch (err) {
      log.warn("bad warm request", { err: String(err) });
    }
    // In the heartbeat before the answer: the keeper releases the deployment's boot ticket on it.
    await heartbeat().catch(() => {});
    msg.respond(encode(reply));
  };

  const onTrim = async (msg: Msg) => {
    let reply: TrimReply = { stopped: 0 };
    try {
      const req = decode(TrimRequest, msg.data, "trim request");
      reply = { stopped: await pool.trim(req.version_id, req.deployment, req.count, req.idle_ms) };
    } catch (err) {
      log.warn("bad trim request", { err: String(err) });
    }
    // In the heartbeat before the answer: the scheduler decides its next trims on it.
    if (reply.stopped > 0) await heartbeat().catch(() => {});
    msg.respond(encode(reply));
  };

  const runSub = nc.subscribe(subjects.agentRun(config.agentId), { callback: (_e, m) => void onRun(m) });
  const warmSub = nc.subscribe(subjects.agentWarm(config.agentId), { callback: (_e, m) => void onWarm(m) });
  const trimSub = nc.subscribe(subjects.agentTrim(config.agentId), { callback: (_e, m) => void onTrim(m) });
  // Servers idle past the window, and not kept warm for a deployment, are stopped.
  const idler = setInterval(() => void pool.stopIdle(config.idleStopMs), Math.min(1000, config.idleStopMs));
  const cancelSub = nc.subscribe(subjects.agentCancel(config.agentId), { callback: (_e, m) => void onCancel(m) });
  const metering = setInterval(() => void meter.tick(), config.uptimeIntervalMs ?? 60_000);
  const uploadSweep = setInterval(() => void uploads.sweep(UNCLAIMED_UPLOAD_MS), 60_000);
  await heartbeat();
  const beat = setInterval(
    () => void heartbeat().catch((err: unknown) => log.warn("heartbeat failed", { err: String(err) })),
    config.heartbeatMs,
  );
  log.info("agent started", { agent_id: config.agentId, sku: config.sku, slots: config.slots });

  return {
    instances: () => pool.list(),
    async drain(timeoutMs, signal) {
      draining = true;
      await heartbeat().catch(() => {});
      const deadline = now().getTime() + timeoutMs;
      if (held() > 0) log.info("draining", { predictions: held(), timeout_ms: timeoutMs });
      while (held() > 0 && now().getTime() < deadline && !signal?.aborted) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const left = held();
      if (left > 0) log.warn("drain ended with predictions still held", { predictions: left });
      return { left };
    },
    async stop() {
      clearInterval(beat);
      bootNotes.stop();
      clearInterval(idler);
      clearInterval(metering);
      clearInterval(uploadSweep);
      clearTimeout(soon);
      warmSub.unsubscribe();
      trimSub.unsubscribe();
      runSub.unsubscribe();
      cancelSub.unsubscribe();
      for (const run of runs.values()) for (const t of run.timers) clearTimeout(t);
      await pool.stopAll();
      webhooks.server.close();
      await buckets.agents.delete(config.agentId).catch(() => {});
    },
  };
}
