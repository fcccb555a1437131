import { PredictionEvent } from "@gantry/contracts/events";
import { RunReply, type RunRequest } from "@gantry/contracts/jobs";
import type { PredictionRecord } from "@gantry/contracts/prediction";
import { STREAMS, subjects } from "@gantry/contracts/subjects";
import { DEMO_MODELS } from "@gantry/demo-models/catalog";
import { decode, encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { DEFAULT_TOPOLOGY, ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { REPO_ROOT } from "@gantry/testing/stack";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { start } from "../../src/service.ts";

const testModel = DEMO_MODELS.find((m) => m.name === "test")!;
let seq = 0;
const newId = () => `agent${String(seq++).padStart(21, "0")}`;

function record(id: string): PredictionRecord {
  return {
    id,
    account_id: "acct",
    model: "gantry/test",
    version: "b".repeat(64),
    streams: true,
    hardware: "cpu",
    deployment: null,
    source: "api",
    input: {},
    output: null,
    logs: "",
    error: null,
    status: "starting",
    data_removed: false,
    created_at: new Date().toISOString(),
    started_at: null,
    completed_at: null,
    deadline: null,
    webhook: null,
    webhook_events_filter: null,
    metrics: {},
    agent_id: null,
    stream_token: null,
    secret_fields: [],
  };
}

async function setup() {
  const nats = await startNatsServer();
  const nc = await connect({ servers: nats.url });
  const store = new PredictionStore((await ensureTopology(nc)).predictions, nc);
  const agent = await start({
    nc,
    now: () => new Date(),
    log: silentLogger,
    config: {
      agentId: "it-agent",
      sku: "cpu",
      emulated: false,
      gpus: [],
      slots: 2,
      webhookPort: 0,
      modelsDir: REPO_ROOT,
      heartbeatMs: 200,
      setupTimeoutMs: 30_000,
      topology: DEFAULT_TOPOLOGY,
    },
  });
  const run = async (input: Record<string, unknown>, timeoutMs = 60_000) => {
    const id = newId();
    await store.create(record(id));
    const req: RunRequest = {
      prediction_id: id,
      account_id: "acct",
      model: "gantry/test",
      version_id: "b".repeat(64),
      hardware: "cpu",
      streams: true,
      runtime: { kind: "command", argv: testModel.argv },
      concurrency: 2,
      input,
      timeout_ms: timeoutMs,
      deadline: null,
    };
    const res = await nc.request(subjects.agentRun("it-agent"), encode(req), { timeout: 5000 });
    return { id, reply: decode(RunReply, res.data, "reply") };
  };
  const finished = async (id: string) => {
    for (let i = 0; i < 600; i++) {
      const s = await store.get(id);
      if (s && ["succeeded", "failed", "canceled"].includes(s.record.status)) return s.record;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`prediction ${id} did not finish`);
  };
  const events = async (id: string) => {
    const js = jetstream(nc);
    const c = await js.consumers.get(STREAMS.events.name, { filter_subjects: subjects.events(id) });
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
    store,
    run,
    finished,
    events,
    async close() {
      await agent.stop();
      await nc.close();
      await nats[Symbol.asyncDispose]();
    },
  };
}

describe("gpu-agent with a real Cog-protocol model server", () => {
  it("cold boots once, then reuses the warm instance; streams token deltas in order", async () => {
    const t = await setup();
    try {
      const first = await t.run({ tokens: 4, token_delay_ms: 5 });
      expect(first.reply).toEqual({ accepted: true, cold_boot: true });
      const rec = await t.finished(first.id);
      expect(rec.status).toBe("succeeded");
      expect(rec.output).toEqual(["tok0", " tok1", " tok2", " tok3"]);
      expect(rec.agent_id).toBe("it-agent");
      const evs = await t.events(first.id);
      expect(evs.filter((e) => e.type === "output").map((e) => (e.type === "output" ? e.data : null))).toEqual(
        rec.output,
      );
      expect(evs.at(-1)).toEqual({ type: "done", status: "succeeded", error: null });

      const second = await t.run({ tokens: 1 });
      expect(second.reply).toEqual({ accepted: true, cold_boot: false });
      expect((await t.finished(second.id)).status).toBe("succeeded");
    } finally {
      await t.close();
    }
  });

  it("instant predictions are stored as started by this agent before they complete", async () => {
    const t = await setup();
    try {
      await t.finished((await t.run({ tokens: 0 })).id); // cold boot out of the way
      const ids = await Promise.all(Array.from({ length: 10 }, async () => (await t.run({ tokens: 0 })).id));
      for (const id of ids) {
        const rec = await t.finished(id);
        expect(rec.status).toBe("succeeded");
        expect(rec.agent_id).toBe("it-agent");
        expect(Date.parse(rec.started_at ?? "")).toBeLessThanOrEqual(Date.parse(rec.completed_at ?? ""));
      }
    } finally {
      await t.close();
    }
  });

  it("a model error fails the prediction with its message and keeps partial output", async () => {
    const t = await setup();
    try {
      const { id } = await t.run({ tokens: 2, fail: "exploded" });
      const rec = await t.finished(id);
      expect(rec.status).toBe("failed");
      expect(rec.error).toBe("exploded");
      expect(rec.output).toEqual(["tok0", " tok1"]);
    } finally {
      await t.close();
    }
  });

  it("enforces the run timeout the model server lacks", async () => {
    const t = await setup();
    try {
      const { id } = await t.run({ sleep_ms: 30_000 }, 500);
      const rec = await t.finished(id);
      expect(rec.status).toBe("failed");
      expect(rec.error).toMatch(/timed out/);
    } finally {
      await t.close();
    }
  });
});
