import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { PredictionEvent } from "@gantry/contracts/events";
import { RunReply, type RunRequest } from "@gantry/contracts/jobs";
import type { ModelRuntime } from "@gantry/contracts/models";
import type { PredictionRecord } from "@gantry/contracts/prediction";
import { STREAMS, subjects } from "@gantry/contracts/subjects";
import { DEMO_MODELS } from "@gantry/demo-models/catalog";
import { TEST_MODELS } from "@gantry/demo-models/test-models";
import { decode, encode } from "@gantry/platform/codec";
import { randomId } from "@gantry/platform/ids";
import { silentLogger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { type Buckets, DEFAULT_TOPOLOGY, ensureTopology } from "@gantry/platform/topology";
import { predictionRecord } from "@gantry/testing/fixtures";
import { startNatsServer } from "@gantry/testing/nats-server";
import { REPO_ROOT } from "@gantry/testing/stack";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Agent, type AgentConfig, start } from "../../src/service.ts";

/** The command that serves a demo (or test) model. */
export function modelArgv(name: string): string[] {
  const model = [...DEMO_MODELS, ...TEST_MODELS].find((m) => m.name === name);
  if (!model) throw new Error(`no model ${name}`);
  return model.argv;
}

/** How the agent starts a model by name, as the registry would say. */
export const commandRuntime = (name: string): ModelRuntime => ({ kind: "command", argv: modelArgv(name) });

/** The Cog-protocol fixture (`models/src/cog-fixture.ts`) as a command, in one of its modes. */
export const fixtureRuntime = (...args: string[]): ModelRuntime => ({
  kind: "command",
  argv: ["node", "--import", "tsx", "models/src/serve.ts", "cog-fixture", ...args],
});

export const versionOf = (label: string) => createHash("sha256").update(label).digest("hex");

function record(
  id: string,
  model: string,
  versionId: string,
  streams: boolean,
  input: Record<string, unknown>,
): PredictionRecord {
  return predictionRecord({ id, model, version: versionId, streams, input });
}

export interface RunOptions {
  /** Model name, for the record and (unless `runtime` is given) its demo runtime. Default `test`. */
  model?: string;
  runtime?: ModelRuntime;
  /** Distinguishes versions of the same runtime (default: the model name). */
  version?: string;
  concurrency?: number;
  timeoutMs?: number;
  streams?: boolean;
  /** The W3C trace context the run request carries. */
  traceparent?: string;
}

export type Harness = Awaited<ReturnType<typeof startAgent>>;

/** A real nats-server and an agent started in this process, driven over NATS like the scheduler does. */
export async function startAgent(config: Partial<AgentConfig> = {}) {
  const nats = await startNatsServer();
  const nc: NatsConnection = await connect(nats.connectOptions());
  const topology = config.topology ?? DEFAULT_TOPOLOGY;
  const buckets: Buckets = await ensureTopology(nc, topology);
  const store = new PredictionStore(buckets.predictions, nc);
  const agentId = config.agentId ?? "it-agent";
  // The agent connects as itself: what its NATS permissions refuse, these tests see.
  const agentNc: NatsConnection = await connect(nats.connectOptions("agent"));
  const agent: Agent = await start({
    nc: agentNc,
    now: () => new Date(),
    log: silentLogger,
    config: {
      agentId,
      sku: "cpu",
      emulated: false,
      gpus: [],
      slots: 2,
      webhookPort: 0,
      modelsDir: REPO_ROOT,
      heartbeatMs: 200,
      idleStopMs: 300_000,
      setupTimeoutMs: 30_000,
      topology,
      publicUrl: "http://api.test",
      ...config,
    },
  });

  const request = async (id: string, input: Record<string, unknown>, o: RunOptions = {}) => {
    const model = o.model ?? "test";
    const versionId = versionOf(o.version ?? model);
    const req: RunRequest = {
      prediction_id: id,
      account_id: "acct",
      model: `gantry/${model}`,
      version_id: versionId,
      hardware: "cpu",
      streams: o.streams ?? true,
      runtime: o.runtime ?? commandRuntime(model),
      concurrency: o.concurrency ?? 2,
      input,
      timeout_ms: o.timeoutMs ?? 60_000,
      deadline: null,
      ...(o.traceparent ? { traceparent: o.traceparent } : {}),
    };
    const res = await nc.request(subjects.agentRun(agentId), encode(req), { timeout: 5000 });
    return decode(RunReply, res.data, "reply");
  };

  /** Stores a new prediction and asks the agent to run it. */
  const run = async (input: Record<string, unknown>, o: RunOptions = {}) => {
    const id = randomId();
    const model = o.model ?? "test";
    await store.create(record(id, `gantry/${model}`, versionOf(o.version ?? model), o.streams ?? true, input));
    return { id, reply: await request(id, input, o) };
  };

  const waitFor = async (id: string, done: (r: PredictionRecord) => boolean, what: string) => {
    for (let i = 0; i < 1200; i++) {
      const s = await store.get(id);
      if (s && done(s.record)) return s.record;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`prediction ${id} never became ${what}`);
  };
  const finished = (id: string) =>
    waitFor(id, (r) => ["succeeded", "failed", "canceled"].includes(r.status), "terminal");
  const processing = (id: string) => waitFor(id, (r) => r.status === "processing", "processing");

  const events = async (id: string) => {
    const c = await jetstream(nc).consumers.get(STREAMS.events.name, { filter_subjects: subjects.events(id) });
    const out: PredictionEvent[] = [];
    for (;;) {
      const m = await c.next({ expires: 1000 });
      if (!m) return out;
      const ev = decode(PredictionEvent, m.data, "event");
      out.push(ev);
      if (ev.type === "done") return out;
    }
  };

  return {
    nc,
    nats,
    store,
    buckets,
    agent,
    agentId,
    request,
    run,
    waitFor,
    finished,
    processing,
    events,
    async close() {
      await agent.stop();
      await agentNc.close();
      await nc.close();
      const refused = nats.violations();
      await nats[Symbol.asyncDispose]();
      // The agent ran as itself: nothing it did may have been refused by its NATS permissions.
      if (refused.length > 0) throw new Error(`NATS refused the agent:\n${refused.join("\n")}`);
    },
  };
}

/** An agent in its own process (so a test can kill -9 it), configured by `env`. */
export function spawnAgent(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "apps/gpu-agent/src/main.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
}
