import type { PredictionRecord, PredictionStatus } from "@gantry/contracts/prediction";
import { predictionRecord } from "@gantry/testing/fixtures";
import { describe, expect, it } from "vitest";
import { applyTransition, type Transition } from "./prediction-machine.ts";

const CREATED = "2026-01-01T00:00:00.000Z";
const at = (offsetMs: number) => new Date(Date.parse(CREATED) + offsetMs);

function record(overrides: Partial<PredictionRecord> = {}): PredictionRecord {
  return predictionRecord({
    id: "gm3qorzdhgbfurvjtvhg6dckhu",
    account_id: "acct1",
    model: "acme/hello",
    version: "a".repeat(64),
    streams: false,
    input: { text: "world" },
    created_at: CREATED,
    ...overrides,
  });
}

const processing = (overrides: Partial<PredictionRecord> = {}) =>
  record({ status: "processing", started_at: at(2_000).toISOString(), ...overrides });

const ALL_TRANSITIONS: Transition[] = [
  { type: "assign", agentId: "agent-2" },
  { type: "start", at: at(1_000) },
  { type: "progress", at: at(1_000), output: ["a", "b", "c", "d"], logs: "much longer logs than before" },
  {
    type: "complete",
    at: at(5_000),
    status: "succeeded",
    output: "x",
    logs: "done",
    error: null,
    predictTimeS: 1,
  },
  { type: "cancel", at: at(5_000) },
  { type: "abort", at: at(5_000) },
  { type: "note", line: "Queued." },
  { type: "retry", note: "Its agent died; it runs again." },
];

describe("applyTransition: terminal states are final", () => {
  const terminal: PredictionStatus[] = ["succeeded", "failed", "canceled", "aborted"];
  for (const status of terminal) {
    for (const t of ALL_TRANSITIONS) {
      it(`${status} ignores ${t.type}`, () => {
        const r = record({ status, completed_at: at(3_000).toISOString(), agent_id: "agent-1" });
        expect(applyTransition(r, t)).toBeNull();
      });
    }
  }
});

describe("applyTransition: assign", () => {
  it("records the agent", () => {
    expect(applyTransition(record(), { type: "assign", agentId: "agent-1" })?.agent_id).toBe("agent-1");
  });

  it("is a no-op for the same agent", () => {
    expect(applyTransition(record({ agent_id: "agent-1" }), { type: "assign", agentId: "agent-1" })).toBeNull();
  });
});

describe("applyTransition: start", () => {
  it("moves starting to processing with started_at", () => {
    const next = applyTransition(record(), { type: "start", at: at(1_500) });
    expect(next?.status).toBe("processing");
    expect(next?.started_at).toBe("2026-01-01T00:00:01.500Z");
  });

  it("does not restart a processing prediction", () => {
    expect(applyTransition(processing(), { type: "start", at: at(9_000) })).toBeNull();
  });
});

describe("applyTransition: wait notes", () => {
  it("appends a note to a starting prediction once", () => {
    const queued = applyTransition(record(), { type: "note", line: "Queued: 2 ahead." });
    expect(queued?.logs).toBe("Queued: 2 ahead.\n");
    expect(applyTransition(queued!, { type: "note", line: "Queued: 2 ahead." })).toBeNull();
  });

  it("adds the assigning agent's note", () => {
    const next = applyTransition(record({ logs: "Queued.\n" }), { type: "assign", agentId: "a", note: "Booting." });
    expect(next?.logs).toBe("Queued.\nBooting.\n");
  });

  it("notes nothing once processing", () => {
    expect(applyTransition(processing({ logs: "x" }), { type: "note", line: "Queued." })).toBeNull();
  });

  it("ends notes at the start: the logs become the model's own", () => {
    const next = applyTransition(record({ logs: "Booting.\n" }), { type: "start", at: at(1_000) });
    expect(next?.logs).toBe("");
    const progressed = applyTransition(record({ logs: "Booting a server.\n" }), {
      type: "progress",
      at: at(1_000),
      output: null,
      logs: "hi\n",
    });
    expect(progressed?.logs).toBe("hi\n");
  });
});

describe("applyTransition: progress", () => {
  it("starts a starting prediction", () => {
    const next = applyTransition(record(), { type: "progress", at: at(1_000), output: null, logs: "" });
    expect(next?.status).toBe("processing");
    expect(next?.started_at).toBe(at(1_000).toISOString());
  });

  it("keeps started_at of a processing prediction", () => {
    const r = processing({ logs: "a" });
    const next = applyTransition(r, { type: "progress", at: at(9_000), output: null, logs: "ab" });
    expect(next?.started_at).toBe(r.started_at);
    expect(next?.logs).toBe("ab");
  });

  it("records when progress was last stored, never moving it back (what a reaper bills up to)", () => {
    const next = applyTransition(processing({ logs: "a" }), {
      type: "progress",
      at: at(9_000),
      output: null,
      logs: "ab",
    });
    expect(next?.progress_at).toBe(at(9_000).toISOString());
    const late = applyTransition(next!, { type: "progress", at: at(8_000), output: null, logs: "abc" });
    expect(late?.progress_at).toBe(at(9_000).toISOString());
    const started = applyTransition(record(), { type: "start", at: at(2_000), agentId: "agent-1" });
    expect(started?.progress_at).toBe(at(2_000).toISOString());
  });

  it("takes a growing output array and log", () => {
    const r = processing({ output: ["a"], logs: "one\n" });
    const next = applyTransition(r, { type: "progress", at: at(3_000), output: ["a", "b"], logs: "one\ntwo\n" });
    expect(next?.output).toEqual(["a", "b"]);
    expect(next?.logs).toBe("one\ntwo\n");
  });

  it("never shrinks the output array or the logs (late snapshot)", () => {
    const r = processing({ output: ["a", "b", "c"], logs: "one\ntwo\n" });
    expect(applyTransition(r, { type: "progress", at: at(3_000), output: ["a"], logs: "one\n" })).toBeNull();
  });

  it("keeps the longer part when only one part of a snapshot is behind", () => {
    const r = processing({ output: ["a", "b", "c"], logs: "one\n" });
    const next = applyTransition(r, { type: "progress", at: at(3_000), output: ["a"], logs: "one\ntwo\n" });
    expect(next?.output).toEqual(["a", "b", "c"]);
    expect(next?.logs).toBe("one\ntwo\n");
  });

  it("does not replace output with null", () => {
    const r = processing({ output: ["a"], logs: "x" });
    expect(applyTransition(r, { type: "progress", at: at(3_000), output: null, logs: "x" })).toBeNull();
  });

  it("is a no-op for an identical snapshot", () => {
    const r = processing({ output: ["a"], logs: "x" });
    expect(applyTransition(r, { type: "progress", at: at(3_000), output: ["a"], logs: "x" })).toBeNull();
  });
});

describe("applyTransition: complete", () => {
  const complete = (status: "succeeded" | "failed" | "canceled", offsetMs: number): Transition => ({
    type: "complete",
    at: at(offsetMs),
    status,
    output: status === "succeeded" ? "hello world" : null,
    logs: "final logs",
    error: status === "failed" ? "boom" : null,
    predictTimeS: 1.25,
  });

  it("finishes with the agent's output, logs, error and predict_time", () => {
    const next = applyTransition(processing({ output: ["partial"], logs: "partial" }), complete("succeeded", 4_321));
    expect(next).toMatchObject({
      status: "succeeded",
      output: "hello world",
      logs: "final logs",
      error: null,
      started_at: at(2_000).toISOString(),
      completed_at: "2026-01-01T00:00:04.321Z",
      metrics: { predict_time: 1.25, total_time: 4.321 },
    });
  });

  it("records the error of a failed prediction", () => {
    const next = applyTransition(processing(), complete("failed", 3_000));
    expect(next?.status).toBe("failed");
    expect(next?.error).toBe("boom");
  });

  it("records the agent that ran it when its start was never stored, and keeps one already recorded", () => {
    const ended = (agentId: string) => ({ ...complete("succeeded", 3_000), agentId }) as Transition;
    expect(applyTransition(record(), ended("agent-9"))?.agent_id).toBe("agent-9");
    expect(applyTransition(processing({ agent_id: "agent-1" }), ended("agent-9"))?.agent_id).toBe("agent-1");
  });

  it("sets started_at when the start was never seen", () => {
    const next = applyTransition(record(), complete("succeeded", 3_000));
    expect(next?.started_at).toBe(at(3_000).toISOString());
  });

  it("keeps other metrics", () => {
    const next = applyTransition(processing({ metrics: { output_token_count: 7 } }), complete("succeeded", 3_000));
    expect(next?.metrics).toEqual({ output_token_count: 7, predict_time: 1.25, total_time: 3 });
  });

  it("adds the model's recorded metrics, the platform's timings winning over same-named ones", () => {
    const t = { ...complete("succeeded", 3_000), metrics: { score: 0.5, predict_time: 99 } } as Transition;
    const next = applyTransition(processing(), t);
    expect(next?.metrics).toEqual({ score: 0.5, predict_time: 1.25, total_time: 3 });
  });

  it("redacts the stored input's secret fields (the record's and the server's) once it ends", () => {
    const r = processing({
      input: { prompt: "p", api_key: "sk-1", token: "t-2", unset: null },
      secret_fields: ["api_key"],
    });
    const t = { ...complete("succeeded", 3_000), secretFields: ["token", "unset", "absent"] } as Transition;
    expect(applyTransition(r, t)?.input).toEqual({
      prompt: "p",
      api_key: "**********",
      token: "**********",
      unset: null,
    });
    expect(applyTransition(processing({ input: { prompt: "p" } }), complete("failed", 3_000))?.input).toEqual({
      prompt: "p",
    });
  });

  it("redacts the record's secret fields on a cancel and an abort too", () => {
    const r = record({ input: { api_key: "sk-1" }, secret_fields: ["api_key"] });
    expect(applyTransition(r, { type: "cancel", at: at(1_000) })?.input).toEqual({ api_key: "**********" });
    expect(applyTransition(r, { type: "abort", at: at(1_000) })?.input).toEqual({ api_key: "**********" });
  });

  it("clamps total_time at 0 when the clock is behind created_at", () => {
    const next = applyTransition(record(), complete("succeeded", -5_000));
    expect(next?.metrics.total_time).toBe(0);
  });
});

describe("applyTransition: retry (the failure contract)", () => {
  it("sends a running prediction without output back to starting, placed nowhere, saying why", () => {
    const next = applyTransition(
      processing({ output: [], agent_id: "agent-1", logs: "loading", progress_at: at(2_500).toISOString() }),
      { type: "retry", note: "Its agent died; it runs again." },
    );
    expect(next).toMatchObject({ status: "starting", started_at: null, agent_id: null, output: null });
    expect(next?.logs).toBe("loading\nIts agent died; it runs again.\n");
    expect(next && "progress_at" in next).toBe(false);
  });

  it("never once it has output, nor before it runs", () => {
    const note = { type: "retry" as const, note: "x" };
    expect(applyTransition(processing({ output: ["tok"] }), note)).toBeNull();
    expect(applyTransition(processing({ output: "text" }), note)).toBeNull();
    expect(applyTransition(record({ status: "starting" }), note)).toBeNull();
  });
});

describe("applyTransition: cancel", () => {
  it("cancels a starting prediction with predict_time 0", () => {
    const next = applyTransition(record(), { type: "cancel", at: at(1_500) });
    expect(next).toMatchObject({
      status: "canceled",
      completed_at: at(1_500).toISOString(),
      metrics: { predict_time: 0, total_time: 1.5 },
    });
  });

  it("bills a processing prediction from started_at", () => {
    const next = applyTransition(processing(), { type: "cancel", at: at(4_750) });
    expect(next?.status).toBe("canceled");
    expect(next?.metrics).toEqual({ predict_time: 2.75, total_time: 4.75 });
  });
});

describe("applyTransition: abort", () => {
  it("aborts a starting prediction, unbilled", () => {
    const next = applyTransition(record(), { type: "abort", at: at(30_000) });
    expect(next).toMatchObject({
      status: "aborted",
      completed_at: at(30_000).toISOString(),
      metrics: { predict_time: 0, total_time: 30 },
    });
  });

  it("does not abort a processing prediction", () => {
    expect(applyTransition(processing(), { type: "abort", at: at(30_000) })).toBeNull();
  });
});

describe("applyTransition: purity", () => {
  it("does not mutate the record it is given", () => {
    const r = processing({ output: ["a"], logs: "x", metrics: {} });
    const before = structuredClone(r);
    for (const t of ALL_TRANSITIONS) applyTransition(r, t);
    expect(r).toEqual(before);
  });
});

describe("scalar outputs", () => {
  it("a late progress snapshot never replaces a scalar output", () => {
    const apply = applyTransition;
    const base = apply(
      {
        id: "scalar00000000000000000000",
        account_id: "acct",
        model: "acme/hello",
        version: "a".repeat(64),
        streams: false,
        hardware: "cpu",
        deployment: null,
        source: "api",
        input: {},
        output: null,
        logs: "",
        error: null,
        status: "processing",
        data_removed: false,
        created_at: "2026-01-01T00:00:00.000Z",
        started_at: "2026-01-01T00:00:00.000Z",
        completed_at: null,
        deadline: null,
        webhook: null,
        webhook_events_filter: null,
        metrics: {},
        agent_id: null,
        stream_token: null,
        secret_fields: [],
      },
      { type: "progress", at: new Date("2026-01-01T00:00:01.000Z"), output: "hello world", logs: "" },
    );
    expect(base?.output).toBe("hello world");
    const later = apply(base!, {
      type: "progress",
      at: new Date("2026-01-01T00:00:02.000Z"),
      output: "hello",
      logs: "",
    });
    expect(later).toBeNull();
  });
});

describe("applyTransition: the model's start as the agent measured it", () => {
  it("a progress or completion that finds the start write lost takes the agent's start, not its own time", () => {
    const starting = predictionRecord({ id: "m".repeat(26), version: "a".repeat(64), created_at: CREATED });
    const progressed = applyTransition(starting, {
      type: "progress",
      at: at(5_000),
      output: ["tok"],
      logs: "",
      startedAt: at(100),
    });
    expect(progressed?.started_at).toBe(at(100).toISOString());
    const completed = applyTransition(starting, {
      type: "complete",
      at: at(5_120),
      status: "succeeded",
      output: ["tok"],
      logs: "",
      error: null,
      predictTimeS: 5.02,
      startedAt: at(100),
    });
    // Shown start to end is the predict time billed, not the 27 ms between two late writes.
    expect(completed?.started_at).toBe(at(100).toISOString());
    expect(completed?.completed_at).toBe(at(5_120).toISOString());
  });
});

describe("applyTransition: queue", () => {
  const waiting = {
    position: 2,
    estimated_start_at: at(30_000).toISOString(),
    phase: "waiting_for_slot" as const,
    phase_started_at: at(500).toISOString(),
  };
  const setup = {
    position: null,
    estimated_start_at: null,
    phase: "setup" as const,
    phase_started_at: at(9_000).toISOString(),
  };

  it("says where a starting prediction waits, with its line in the logs, and skips repeats", () => {
    const queued = applyTransition(record(), { type: "queue", queue: waiting, line: "Queued: 2 ahead." });
    expect(queued?.queue).toEqual(waiting);
    expect(queued?.logs).toBe("Queued: 2 ahead.\n");
    expect(applyTransition(queued!, { type: "queue", queue: waiting, line: "Queued: 2 ahead." })).toBeNull();
    const moved = applyTransition(queued!, { type: "queue", queue: { ...waiting, position: 1 } });
    expect(moved?.queue?.position).toBe(1);
    expect(moved?.logs).toBe("Queued: 2 ahead.\n");
  });

  it("lets no late scheduler note overwrite the phase of the agent that has it", () => {
    const booting = applyTransition(record({ agent_id: "agent-1" }), {
      type: "queue",
      queue: setup,
      line: "[setup] x",
    });
    expect(booting?.queue?.phase).toBe("setup");
    expect(applyTransition(booting!, { type: "queue", queue: waiting, line: "Queued: 2 ahead." })).toBeNull();
  });

  it("is gone with the start, any end, and a return to the queue; never set once processing", () => {
    const queued = record({ queue: setup, agent_id: "agent-1", logs: "[setup] loading\n" });
    for (const t of ALL_TRANSITIONS) {
      const next = applyTransition(queued, t);
      if (next && next.status !== "starting") expect(next.queue, t.type).toBeUndefined();
    }
    expect(applyTransition(queued, { type: "unassign" })?.queue).toBeUndefined();
    expect(applyTransition(queued, { type: "start", at: at(10_000) })?.logs).toBe("");
    expect(applyTransition(processing(), { type: "queue", queue: setup, line: "late" })).toBeNull();
  });
});
