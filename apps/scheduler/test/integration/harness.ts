import { type ChildProcess, spawn } from "node:child_process";
import type { DeploymentRecord } from "@gantry/contracts/deployments";
import { isTerminal, type PredictionRecord } from "@gantry/contracts/prediction";
import { subjects } from "@gantry/contracts/subjects";
import { DEMO_MODELS } from "@gantry/demo-models/catalog";
import { type Agent, start as startAgent } from "@gantry/gpu-agent/service";
import { encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import type { PredictionStore } from "@gantry/platform/prediction-store";
import { Registry } from "@gantry/platform/registry";
import { type Buckets, DEFAULT_TOPOLOGY } from "@gantry/platform/topology";
import { predictionRecord, workItemOf } from "@gantry/testing/fixtures";
import type { NatsServer } from "@gantry/testing/nats-server";
import { REPO_ROOT } from "@gantry/testing/stack";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";

export const VERSION = "c".repeat(64);
export const WEBHOOKS = { publicUrl: "http://127.0.0.1:8787", allowPrivate: true, timeoutMs: 5000 };
export const SCHEDULER_CONFIG = {
  agentStaleMs: 5000,
  runTimeoutMs: 60_000,
  retryDelayMs: 20,
  topology: DEFAULT_TOPOLOGY,
  webhooks: WEBHOOKS,
};
const testModel = DEMO_MODELS.find((m) => m.name === "test")!;

let seq = 0;
/** A prediction id unique in this process: 26 lowercase letters and digits. */
export const newId = (prefix: string) => `${prefix}${String(seq++).padStart(26 - prefix.length, "0")}`;

export const record = (id: string, input: Record<string, unknown>, o: Partial<PredictionRecord> = {}) =>
  predictionRecord({ id, input, version: VERSION, ...o });

export const workItem = workItemOf;

/** The `gantry/test` demo model as version {@link VERSION}, with `concurrency` slots per server. */
export async function putTestVersion(buckets: Buckets, concurrency = 1): Promise<void> {
  await new Registry(buckets).putVersion({
    id: VERSION,
    model: "gantry/test",
    account_id: "gantry",
    cog_version: null,
    openapi_schema: testModel.predictor.openapi,
    runtime: { kind: "command", argv: testModel.argv },
    concurrency,
    created_at: new Date().toISOString(),
  });
}

/** Stores a deployment `acme/<name>` of {@link VERSION} on cpu with these instance bounds; returns it. */
export async function putTestDeployment(
  buckets: Buckets,
  name: string,
  instances: Pick<DeploymentRecord, "min_instances" | "max_instances" | "scaling">,
): Promise<DeploymentRecord> {
  const at = new Date().toISOString();
  const deployment: DeploymentRecord = {
    owner: "acme",
    name,
    account_id: "acct",
    model: "gantry/test",
    version: VERSION,
    hardware: "cpu",
    ...instances,
    release: 1,
    release_created_at: at,
    created_at: at,
  };
  await buckets.deployments.put(`acme/${name}`, encode(deployment));
  return deployment;
}

/** Stores the predictions and queues them, in order, as the gateway does. */
export async function enqueue(nc: NatsConnection, store: PredictionStore, records: PredictionRecord[]) {
  const js = jetstream(nc);
  for (const r of records) {
    await store.create(r);
    await js.publish(subjects.work(r.hardware), encode(workItem(r)), { msgID: r.id });
  }
}

/** A real agent (its own NATS identity, `agent`) running the demo models from this checkout. */
export async function startTestAgent(
  nats: Pick<NatsServer, "connectOptions">,
  agentId: string,
  slots: number,
  idleStopMs = 300_000,
): Promise<Agent & { close(): Promise<void> }> {
  const nc = await connect(nats.connectOptions("agent"));
  const agent = await startAgent({
    nc,
    now: () => new Date(),
    log: silentLogger,
    config: {
      agentId,
      sku: "cpu",
      emulated: false,
      gpus: [],
      slots,
      webhookPort: 0,
      modelsDir: REPO_ROOT,
      heartbeatMs: 200,
      idleStopMs,
      setupTimeoutMs: 30_000,
      uptimeIntervalMs: 300,
      topology: DEFAULT_TOPOLOGY,
    },
  });
  return {
    ...agent,
    async close() {
      await agent.stop();
      await nc.close();
    },
  };
}

/** Polls until every prediction has ended; returns their records in the order of `ids`. */
export async function waitTerminal(store: PredictionStore, ids: string[], timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = await Promise.all(ids.map(async (id) => (await store.get(id))?.record));
    if (records.every((r) => r && isTerminal(r.status))) return records as PredictionRecord[];
    if (Date.now() > deadline) {
      const open = records.filter((r) => !r || !isTerminal(r.status)).map((r) => `${r?.id}:${r?.status}`);
      throw new Error(`not ended after ${timeoutMs} ms: ${open.join(", ")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A scheduler in its own process (so a test can kill -9 it), as its own NATS identity. */
export function spawnScheduler(nats: Pick<NatsServer, "serviceEnv">): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "apps/scheduler/src/main.ts"], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...nats.serviceEnv("scheduler"),
      GANTRY_WEBHOOKS_ALLOW_PRIVATE: "1",
      GANTRY_AGENT_STALE_MS: "5000",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
}
