import { AgentHeartbeat } from "@gantry/contracts/agents";
import { RunReply, type RunRequest, WorkItem } from "@gantry/contracts/jobs";
import type { VersionRecord } from "@gantry/contracts/models";
import { STREAMS, subjects } from "@gantry/contracts/subjects";
import { decode, encode } from "@gantry/platform/codec";
import { randomId } from "@gantry/platform/ids";
import type { Logger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { Registry } from "@gantry/platform/registry";
import { ensureTopology, type TopologyOptions } from "@gantry/platform/topology";
import { AckPolicy, type JsMsg, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { assumePlaced, rankCandidates } from "./core/placement.ts";
import { startDeploymentKeeper } from "./deployment-keeper.ts";
import { startJanitor } from "./janitor.ts";
import { placementKey, startReaper } from "./reaper.ts";
import { startWebhooks, type WebhookConfig } from "./webhooks/dispatcher.ts";

export interface SchedulerConfig {
  /** An agent whose last heartbeat is older than this is not placed on. */
  agentStaleMs: number;
  /** Run timeout handed to agents. */
  runTimeoutMs: number;
  /** Redelivery delay when no agent can take a prediction now. */
  retryDelayMs: number;
  topology: TopologyOptions;
  webhooks: WebhookConfig;
}

export interface SchedulerDeps {
  nc: NatsConnection;
  now: () => Date;
  log: Logger;
  config: SchedulerConfig;
}

const CONSUMER = "scheduler";

/**
 * The scheduler: pulls predictions from the durable work queue and places each on an agent.
 * A work message is acknowledged only once an agent has accepted the prediction (or it has
 * ended), so a crash of any scheduler instance redelivers it; several instances share the one
 * durable consumer, and JetStream hands each message to one of them at a time.
 */
export async function start({ nc, now, log, config }: SchedulerDeps): Promise<{ stop(): Promise<void> }> {
  const buckets = await ensureTopology(nc, config.topology);
  const store = new PredictionStore(buckets.predictions, nc);
  const registry = new Registry(buckets);
  const agents = new Map<string, AgentHeartbeat>();
  const versions = new Map<string, VersionRecord>();

  const watcher = await buckets.agents.watch();
  void (async () => {
    for await (const e of watcher) {
      if (e.operation !== "PUT") {
        agents.delete(e.key);
        continue;
      }
      try {
        agents.set(e.key, decode(AgentHeartbeat, e.value, "agent heartbeat"));
      } catch (err) {
        log.warn("bad heartbeat", { key: e.key, err: String(err) });
      }
    }
  })();

  const jsm = await jetstreamManager(nc);
  await jsm.consumers
    .add(STREAMS.work.name, {
      durable_name: CONSUMER,
      ack_policy: AckPolicy.Explicit,
      ack_wait: 30_000_000_000,
      max_ack_pending: 10_000,
    })
    .catch((err: unknown) => {
      if (!String(err).includes("already in use")) throw err;
    });
  const js = jetstream(nc);
  const consumer = await js.consumers.get(STREAMS.work.name, CONSUMER);
  const messages = await consumer.consume({ max_messages: 256 });

  const version = async (id: string) => {
    const cached = versions.get(id);
    if (cached) return cached;
    const v = await registry.getVersion(id);
    if (v) versions.set(id, v);
    return v;
  };

  const placeOne = async (m: JsMsg) => {
    const item = decode(WorkItem, m.data, "work item");
    if (item.deadline && Date.parse(item.deadline) <= now().getTime()) {
      await store.transition(item.prediction_id, { type: "abort", at: now() });
      return m.ack();
    }
    const v = await version(item.version_id);
    if (!v) {
      await store.transition(item.prediction_id, {
        type: "complete",
        at: now(),
        status: "failed",
        output: null,
        logs: "",
        error: "model version no longer exists",
        predictTimeS: 0,
      });
      return m.ack();
    }
    const request: RunRequest = {
      prediction_id: item.prediction_id,
      account_id: item.account_id,
      model: item.model,
      version_id: v.id,
      hardware: item.hardware,
      streams: item.streams,
      runtime: v.runtime,
      concurrency: v.concurrency,
      input: item.input,
      timeout_ms: config.runTimeoutMs,
      deadline: item.deadline,
    };
    const candidates = rankCandidates(
      agents.values(),
      { versionId: v.id, hardware: item.hardware },
      now(),
      config.agentStaleMs,
    );
    for (const c of candidates) {
      try {
        const res = await nc.request(subjects.agentRun(c.agentId), encode(request), { timeout: 5000 });
        const reply = decode(RunReply, res.data, "run reply");
        if (reply.accepted) {
          // Durable before the queue lets go of it: if this agent dies, the reaper finds it here.
          await buckets.placements.put(placementKey(c.agentId, item.prediction_id), m.data);
          const a = agents.get(c.agentId);
          if (a) agents.set(c.agentId, assumePlaced(a, v.id, v.concurrency));
          return m.ack();
        }
      } catch (err) {
        log.warn("agent did not take the prediction", { agent_id: c.agentId, err: String(err) });
      }
    }
    m.nak(config.retryDelayMs);
  };

  const janitor = await startJanitor({ nc, store, now, log, retentionMs: config.topology.retentionMs });
  const webhooks = await startWebhooks({ nc, buckets, store, now, log, config: config.webhooks });
  const keeper = startDeploymentKeeper({
    nc,
    buckets,
    registry,
    agents,
    now,
    log,
    schedulerId: randomId(),
    staleMs: config.agentStaleMs,
    tickMs: 1000,
  });
  const reaper = startReaper({
    nc,
    buckets,
    store,
    agents,
    now,
    log,
    staleMs: config.agentStaleMs,
    intervalMs: Math.max(100, Math.floor(config.agentStaleMs / 4)),
  });

  const loop = (async () => {
    for await (const m of messages) {
      placeOne(m).catch((err: unknown) => {
        log.error("placement failed", { err: String(err) });
        m.nak(config.retryDelayMs);
      });
    }
  })();
  log.info("scheduler started");

  return {
    async stop() {
      reaper.stop();
      keeper.stop();
      await janitor.stop();
      await webhooks.stop();
      await messages.close();
      watcher.stop();
      await loop;
    },
  };
}
