import type { AgentHeartbeat, GpuInfo } from "@gantry/contracts/agents";
import { type CancelReply, CancelRequest, type RunReply, RunRequest } from "@gantry/contracts/jobs";
import { subjects } from "@gantry/contracts/subjects";
import { decode, encode } from "@gantry/platform/codec";
import type { Logger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { ensureTopology, type TopologyOptions } from "@gantry/platform/topology";
import { jetstream } from "@nats-io/jetstream";
import type { Msg, NatsConnection } from "@nats-io/nats-core";
import { parseSnapshot } from "./core/snapshot.ts";
import { ModelInstance } from "./model-instance.ts";
import { RunTracker } from "./run-tracker.ts";
import { startWebhookServer } from "./webhook-server.ts";

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
  heartbeatMs: number;
  setupTimeoutMs: number;
  topology: TopologyOptions;
}

export interface AgentDeps {
  nc: NatsConnection;
  now: () => Date;
  log: Logger;
  config: AgentConfig;
}

interface Run {
  tracker: RunTracker;
  instance: ModelInstance;
  timer: NodeJS.Timeout | undefined;
  deadlineTimer?: NodeJS.Timeout;
}

const BUSY_RETRIES = 50;

/** The GPU agent: turns this host into capacity, runs predictions on Cog model servers. */
export async function start({ nc, now, log, config }: AgentDeps): Promise<{ stop(): Promise<void> }> {
  const buckets = await ensureTopology(nc, config.topology);
  const store = new PredictionStore(buckets.predictions, nc);
  const js = jetstream(nc);
  const instances: ModelInstance[] = [];
  const runs = new Map<string, Run>();

  const webhooks = await startWebhookServer(config.webhookPort, (id, body) => {
    const run = runs.get(id);
    const snap = parseSnapshot(body);
    if (run && snap) void run.tracker.snapshot(snap);
  });

  const heartbeat = async () => {
    const hb: AgentHeartbeat = {
      agent_id: config.agentId,
      sku: config.sku,
      emulated: config.emulated,
      gpus: config.gpus,
      slots: config.slots,
      instances: instances.map((i) => ({
        version_id: i.versionId,
        state: i.state === "ready" && i.running.size >= i.concurrency ? "busy" : i.state,
        concurrency: i.concurrency,
        running: i.running.size,
        booted_at: i.bootedAt?.toISOString() ?? null,
      })),
      at: now().toISOString(),
    };
    await buckets.agents.put(config.agentId, encode(hb));
  };

  const onInstanceExit = (instance: ModelInstance, reason: string) => {
    log.warn("model server died", { version: instance.versionId, reason });
    remove(instance);
    for (const id of instance.running) void runs.get(id)?.tracker.fail(reason);
  };

  const remove = (instance: ModelInstance) => {
    const i = instances.indexOf(instance);
    if (i >= 0) instances.splice(i, 1);
  };

  /** A warm instance with a free slot, else a new one in a free (or idle, evicted) slot. */
  const place = async (req: RunRequest): Promise<{ instance: ModelInstance; cold: boolean } | null> => {
    const warm = instances.find((i) => i.versionId === req.version_id && i.free > 0);
    if (warm) return { instance: warm, cold: false };
    if (instances.length >= config.slots) {
      const idle = instances
        .filter((i) => i.running.size === 0 && i.state !== "booting")
        .sort((a, b) => a.lastUsed.getTime() - b.lastUsed.getTime())[0];
      if (!idle) return null;
      remove(idle);
      await idle.stop();
    }
    const instance = new ModelInstance({
      versionId: req.version_id,
      runtime: req.runtime,
      concurrency: req.concurrency,
      cwd: config.modelsDir,
      setupTimeoutMs: config.setupTimeoutMs,
      log,
      now,
      onExit: onInstanceExit,
    });
    instances.push(instance);
    return { instance, cold: true };
  };

  const execute = async (req: RunRequest, run: Run) => {
    const { instance, tracker } = run;
    try {
      await instance.ready;
    } catch (err) {
      remove(instance);
      return tracker.fail(`model setup failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    for (let attempt = 0; attempt <= BUSY_RETRIES; attempt++) {
      if (tracker.done) return;
      const client = instance.client;
      if (!client) return tracker.fail("model server is not running");
      const res = await client
        .start(req.prediction_id, req.input, webhooks.url(req.prediction_id))
        .catch((err: unknown) => ({ status: 0, body: String(err) }));
      if (res.status === 200 || res.status === 202) {
        run.timer = setTimeout(() => void timeout(req.prediction_id, req.timeout_ms), req.timeout_ms);
        if (req.deadline) {
          const left = Math.max(0, Date.parse(req.deadline) - now().getTime());
          run.deadlineTimer = setTimeout(() => void deadline(req.prediction_id), left);
        }
        if (!(await tracker.started())) await client.cancel(req.prediction_id);
        return;
      }
      if (res.status === 422) return tracker.fail(`model rejected the input: ${JSON.stringify(res.body)}`);
      // 409 busy, 503 not ready: the work stays ours, try again shortly.
      await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
    }
    return tracker.fail("model server stayed busy");
  };

  const deadline = async (id: string) => {
    const run = runs.get(id);
    if (!run || run.tracker.done) return;
    await run.tracker.deadlineReached();
    await run.instance.client?.cancel(id);
  };

  const timeout = async (id: string, ms: number) => {
    const run = runs.get(id);
    if (!run || run.tracker.done) return;
    await run.instance.client?.cancel(id);
    await run.tracker.fail(`Prediction timed out after ${Math.round(ms / 1000)} seconds`);
  };

  const onRun = async (msg: Msg) => {
    let reply: RunReply;
    try {
      const req = decode(RunRequest, msg.data, "run request");
      if (runs.has(req.prediction_id)) {
        reply = { accepted: true, cold_boot: false };
      } else {
        const placed = await place(req);
        if (!placed) {
          reply = { accepted: false, reason: "no free slot" };
        } else {
          placed.instance.running.add(req.prediction_id);
          placed.instance.lastUsed = now();
          const run: Run = {
            instance: placed.instance,
            timer: undefined,
            tracker: new RunTracker({
              predictionId: req.prediction_id,
              accountId: req.account_id,
              model: req.model,
              versionId: req.version_id,
              agentId: config.agentId,
              hardware: req.hardware,
              streams: req.streams,
              store,
              js,
              log,
              now,
              progressIntervalMs: 250,
              onDone: () => {
                clearTimeout(run.timer);
                clearTimeout(run.deadlineTimer);
                placed.instance.running.delete(req.prediction_id);
                placed.instance.lastUsed = now();
                runs.delete(req.prediction_id);
              },
            }),
          };
          runs.set(req.prediction_id, run);
          if (placed.cold) {
            // Booting takes a while: record the placement now, start when the server is ready.
            await run.tracker.assigned();
            void execute(req, run);
          } else {
            // Warm: answer once the model server has it and the start is stored (one write).
            await execute(req, run);
          }
          reply = { accepted: true, cold_boot: placed.cold };
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
      if (run) reply = { found: await (run.instance.client?.cancel(id) ?? false) };
    } catch (err) {
      log.warn("bad cancel request", { err: String(err) });
    }
    msg.respond(encode(reply));
  };

  const runSub = nc.subscribe(subjects.agentRun(config.agentId), { callback: (_e, m) => void onRun(m) });
  const cancelSub = nc.subscribe(subjects.agentCancel(config.agentId), { callback: (_e, m) => void onCancel(m) });
  await heartbeat();
  const beat = setInterval(
    () => void heartbeat().catch((err: unknown) => log.warn("heartbeat failed", { err: String(err) })),
    config.heartbeatMs,
  );
  log.info("agent started", { agent_id: config.agentId, sku: config.sku, slots: config.slots });

  return {
    async stop() {
      clearInterval(beat);
      runSub.unsubscribe();
      cancelSub.unsubscribe();
      for (const run of runs.values()) {
        clearTimeout(run.timer);
        clearTimeout(run.deadlineTimer);
      }
      await Promise.all(instances.map((i) => i.stop()));
      webhooks.server.close();
      await buckets.agents.delete(config.agentId).catch(() => {});
    },
  };
}
