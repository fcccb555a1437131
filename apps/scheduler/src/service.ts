import { AgentHeartbeat } from "@gantry/contracts/agents";
import { DeploymentRecord } from "@gantry/contracts/deployments";
import { Withdrawn } from "@gantry/contracts/jobs";
import { CONSUMERS, subjects } from "@gantry/contracts/subjects";
import { decode } from "@gantry/platform/codec";
import { randomId } from "@gantry/platform/ids";
import { listKeys } from "@gantry/platform/kv-keys";
import type { Logger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { Registry } from "@gantry/platform/registry";
import { openTopology, type TopologyOptions } from "@gantry/platform/topology";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { startCanaryJudge } from "./canary-judge.ts";
import { DEFAULT_SCALE_POLICY, type ScalePolicy } from "./core/placement.ts";
import { startDeploymentKeeper } from "./deployment-keeper.ts";
import { startExtrasTrimmer } from "./extras-trimmer.ts";
import { startFileJanitor } from "./file-janitor.ts";
import { startJanitor } from "./janitor.ts";
import { followNotices } from "./notices.ts";
import { type Placed, startPlacer } from "./placer.ts";
import { startReaper } from "./reaper.ts";
import { startWebhooks, type WebhookConfig, type WebhookObservation } from "./webhooks/dispatcher.ts";

export interface SchedulerConfig {
  /** An agent whose last heartbeat is older than this is not placed on. */
  agentStaleMs: number;
  /** Run timeout handed to agents. */
  runTimeoutMs: number;
  /** Run timeout of trainings (default: the run timeout). */
  trainingTimeoutMs?: number;
  /** Redelivery delay when no agent can take a prediction now. */
  retryDelayMs: number;
  /** When to boot more instances rather than wait for busy ones (defaults: {@link DEFAULT_SCALE_POLICY}). */
  scale?: ScalePolicy;
  topology: TopologyOptions;
  webhooks: WebhookConfig;
  /** How often expired files' bytes and metadata are deleted (default {@link FILE_SWEEP_MS}). */
  fileSweepMs?: number;
}

/** Expired files are deleted within this of their `expires_at`. */
export const FILE_SWEEP_MS = 60_000;

export interface SchedulerDeps {
  nc: NatsConnection;
  now: () => Date;
  log: Logger;
  config: SchedulerConfig;
  /** Told about every placement (benchmarks, metrics). */
  onPlaced?: (p: Placed) => void;
  /** Told of every webhook delivery attempt and every webhook given up (metrics). */
  onWebhook?: (o: WebhookObservation) => void;
}

/** A held work message is touched every third of this; a dead scheduler's go to another after it. */
const ACK_WAIT_MS = 10_000;

/**
 * The scheduler: pulls predictions from the durable work queue and places each on an agent (see
 * {@link startPlacer}: those that must wait for capacity wait in fair lanes). A work message is
 * acknowledged only once an agent has accepted the prediction (or it has ended), so a crash of
 * any scheduler instance redelivers it; several instances share the one durable consumer, and
 * JetStream hands each message to one of them at a time.
 */
export async function start({
  nc,
  now,
  log,
  config,
  onPlaced,
  onWebhook,
}: SchedulerDeps): Promise<{ stop(): Promise<void> }> {
  const buckets = await openTopology(nc, { identity: "scheduler", log });
  const store = new PredictionStore(buckets.predictions, nc);
  const registry = new Registry(buckets);
  const agents = new Map<string, AgentHeartbeat>();
  const deployments = new Map<string, DeploymentRecord>();
  let placer: ReturnType<typeof startPlacer> | undefined;

  const watcher = await buckets.agents.watch();
  void (async () => {
    for await (const e of watcher) {
      if (e.operation !== "PUT") {
        agents.delete(e.key);
        placer?.forget(e.key);
        continue;
      }
      let hb: AgentHeartbeat;
      try {
        hb = decode(AgentHeartbeat, e.value, "agent heartbeat");
      } catch (err) {
        log.warn("bad heartbeat", { key: e.key, err: String(err) });
        continue;
      }
      if (placer) placer.heartbeat(hb);
      else agents.set(e.key, hb);
    }
  })();
  const readDeployment = (key: string, value: Uint8Array) => {
    try {
      deployments.set(key, decode(DeploymentRecord, value, "deployment"));
    } catch (err) {
      log.warn("bad deployment", { key, err: String(err) });
    }
  };
  // Known before the first placement, so a backlog after a restart respects `max_instances`.
  for (const key of await listKeys(buckets.deployments)) {
    const e = await buckets.deployments.get(key);
    if (e?.operation === "PUT") readDeployment(key, e.value);
  }
  const deploymentWatcher = await buckets.deployments.watch();
  void (async () => {
    for await (const e of deploymentWatcher) {
      if (e.operation !== "PUT") deployments.delete(e.key);
      else readDeployment(e.key, e.value);
    }
  })();

  const jsm = await jetstreamManager(nc);
  await jsm.consumers
    .add(CONSUMERS.placer.stream, {
      durable_name: CONSUMERS.placer.name,
      ack_policy: AckPolicy.Explicit,
      ack_wait: ACK_WAIT_MS * 1_000_000,
      max_ack_pending: 10_000,
    })
    .catch((err: unknown) => {
      if (!String(err).includes("already in use")) throw err;
    });
  const js = jetstream(nc);
  const consumer = await js.consumers.get(CONSUMERS.placer.stream, CONSUMERS.placer.name);
  const messages = await consumer.consume({ max_messages: 256 });

  const schedulerId = randomId();
  const notices = followNotices(nc);
  placer = startPlacer({
    notices,
    nc,
    buckets,
    store,
    registry,
    agents,
    deployments,
    now,
    log,
    agentStaleMs: config.agentStaleMs,
    runTimeoutMs: config.runTimeoutMs,
    trainingTimeoutMs: config.trainingTimeoutMs ?? config.runTimeoutMs,
    schedulerId,
    scale: config.scale ?? DEFAULT_SCALE_POLICY,
    touchMs: Math.floor(ACK_WAIT_MS / 3),
    ...(onPlaced ? { onPlaced } : {}),
  });

  const janitor = await startJanitor({ nc, store, now, log, retentionMs: config.topology.retentionMs });
  const fileJanitor = startFileJanitor({
    files: buckets.files,
    objects: buckets.objects,
    now,
    log,
    intervalMs: config.fileSweepMs ?? FILE_SWEEP_MS,
  });
  const webhooks = await startWebhooks({
    nc,
    buckets,
    store,
    now,
    log,
    config: config.webhooks,
    ...(onWebhook ? { observe: onWebhook } : {}),
  });
  const canaries = startCanaryJudge({ nc, buckets, now, log });
  const keeper = startDeploymentKeeper({
    notices,
    nc,
    buckets,
    registry,
    now,
    log,
    schedulerId,
    staleMs: config.agentStaleMs,
    tickMs: 1000,
  });
  const scale = config.scale ?? DEFAULT_SCALE_POLICY;
  const trimmer =
    scale.extraIdleMs !== undefined
      ? startExtrasTrimmer({
          nc,
          buckets,
          agents,
          now,
          log,
          schedulerId,
          staleMs: config.agentStaleMs,
          idleMs: scale.extraIdleMs,
          ...(scale.extraIdlePerBoot === undefined
            ? {}
            : { perBoot: { boots: scale.extraIdlePerBoot, minMs: scale.extraIdleMinMs ?? 0 } }),
          tickMs: 1000,
        })
      : null;
  const reaper = startReaper({
    nc,
    buckets,
    store,
    agents,
    now,
    log,
    staleMs: config.agentStaleMs,
    intervalMs: Math.min(1000, Math.max(100, Math.floor(config.agentStaleMs / 4))),
  });

  const withdrawals = nc.subscribe(subjects.withdrawn(), {
    callback: (err, m) => {
      if (err) return;
      try {
        placer.withdraw(decode(Withdrawn, m.data, "withdrawn notice").prediction_id);
      } catch (e) {
        log.warn("bad withdrawn notice", { err: String(e) });
      }
    },
  });

  const loop = (async () => {
    for await (const m of messages) {
      placer.admit(m).catch((err: unknown) => {
        log.error("placement failed", { err: String(err) });
        m.nak(config.retryDelayMs);
      });
    }
  })();
  log.info("scheduler started");

  return {
    async stop() {
      withdrawals.unsubscribe();
      placer.stop();
      await reaper.stop();
      await trimmer?.stop();
      keeper.stop();
      notices.stop();
      await janitor.stop();
      await fileJanitor.stop();
      canaries.stop();
      await webhooks.stop();
      await messages.close();
      watcher.stop();
      deploymentWatcher.stop();
      await loop;
    },
  };
}
export type { Placed } from "./placer.ts";
