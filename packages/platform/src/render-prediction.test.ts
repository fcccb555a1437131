import { Prediction, type PredictionRecord } from "@gantry/contracts/prediction";
import { describe, expect, it } from "vitest";
import { REDACTED, renderPrediction } from "./render-prediction.ts";

const BASE = "http://127.0.0.1:8787";
const ID = "gm3qorzdhgbfurvjtvhg6dckhu";

function record(overrides: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    id: ID,
    account_id: "acct1",
    model: "acme/hello",
    version: "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa",
    streams: false,
    hardware: "gpu-h100",
    deployment: null,
    source: "api",
    input: { text: "world", api_key: "sk-live-123" },
    output: "hello world",
    logs: "predicting\n",
    error: null,
    status: "succeeded",
    data_removed: false,
    created_at: "2026-01-01T00:00:00.000Z",
    started_at: "2026-01-01T00:00:01.000Z",
    completed_at: "2026-01-01T00:00:02.000Z",
    deadline: null,
    webhook: null,
    webhook_events_filter: null,
    metrics: { predict_time: 1, total_time: 2 },
    agent_id: "agent-1",
    stream_token: "capabilitytoken00000000000",
    secret_fields: ["api_key"],
    ...overrides,
  };
}

describe("renderPrediction", () => {
  it("is a valid public prediction with exactly the §3.2 keys and no internal ones", () => {
    const p = renderPrediction(record(), BASE);
    expect(Prediction.strict().parse(p)).toEqual(p);
    expect(Object.keys(p)).toEqual([
      "id",
      "model",
      "version",
      "input",
      "logs",
      "output",
      "data_removed",
      "error",
      "status",
      "source",
      "created_at",
      "started_at",
      "completed_at",
      "urls",
      "metrics",
    ]);
  });

  it("redacts secrets as ********** and leaves the record alone", () => {
    const r = record();
    const p = renderPrediction(r, BASE);
    expect(REDACTED).toBe("**********");
    expect(p.input).toEqual({ text: "world", api_key: "**********" });
    expect(r.input.api_key).toBe("sk-live-123");
  });

  it("does not invent a secret the input lacks", () => {
    const p = renderPrediction(record({ input: { text: "world" } }), BASE);
    expect(p.input).toEqual({ text: "world" });
  });

  it("gives absolute urls under the base url", () => {
    expect(renderPrediction(record(), BASE).urls).toEqual({
      get: `${BASE}/v1/predictions/${ID}`,
      cancel: `${BASE}/v1/predictions/${ID}/cancel`,
      web: `${BASE}/p/${ID}`,
    });
  });

  it("hides input, output and logs once data is removed", () => {
    const p = renderPrediction(record({ data_removed: true }), BASE);
    expect(p).toMatchObject({ input: {}, output: null, logs: "", data_removed: true });
    expect(p).toHaveProperty("output", null);
    expect(JSON.stringify(p)).not.toContain("sk-live-123");
  });

  it("shows deadline, deployment and webhook fields only when set", () => {
    const p = renderPrediction(
      record({
        deadline: "2026-01-01T00:05:00.000Z",
        deployment: "acme/hello-prod",
        webhook: "https://example.com/hook",
        webhook_events_filter: ["completed"],
      }),
      BASE,
    );
    expect(p).toMatchObject({
      deadline: "2026-01-01T00:05:00.000Z",
      deployment: "acme/hello-prod",
      webhook: "https://example.com/hook",
      webhook_events_filter: ["completed"],
    });
    const bare = renderPrediction(record(), BASE);
    for (const key of ["deadline", "deployment", "webhook", "webhook_events_filter"]) {
      expect(bare).not.toHaveProperty(key);
    }
  });

  it("shows a starting prediction with null timestamps and empty metrics", () => {
    const p = renderPrediction(
      record({ status: "starting", output: null, logs: "", started_at: null, completed_at: null, metrics: {} }),
      BASE,
    );
    expect(p).toMatchObject({ status: "starting", started_at: null, completed_at: null, output: null, metrics: {} });
    expect(Prediction.safeParse(p).success).toBe(true);
  });
});
