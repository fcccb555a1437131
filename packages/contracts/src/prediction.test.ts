import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CreateModelPredictionBody, CreatePredictionBody, isTerminal, Prediction } from "./prediction.ts";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8"));

/** Reference §3.2: the required keys, and the optional ones we may show. */
const REQUIRED_KEYS = [
  "id",
  "model",
  "version",
  "input",
  "output",
  "data_removed",
  "error",
  "status",
  "created_at",
  "urls",
];
const SHOWN_KEYS = [...REQUIRED_KEYS, "logs", "source", "started_at", "completed_at", "metrics"].sort();

const VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";

describe.each(["prediction.succeeded.json", "prediction.starting.json", "prediction.waiting.json"])(
  "golden %s",
  (name) => {
    const golden = fixture(name);
    /** Gantry's `queue` extension, shown only while a prediction waits. */
    const extensions = "queue" in golden ? ["queue"] : [];

    it("parses with Prediction unchanged, with no unknown keys", () => {
      expect(Prediction.parse(golden)).toEqual(golden);
      expect(Prediction.strict().safeParse(golden).success).toBe(true);
    });

    it("has exactly the §3.2 key set", () => {
      expect(Object.keys(golden).sort()).toEqual([...SHOWN_KEYS, ...extensions].sort());
      for (const key of REQUIRED_KEYS) expect(golden).toHaveProperty(key);
      expect(Object.keys(golden.urls as object).sort()).toEqual(["cancel", "get", "web"]);
    });

    it("uses a 26-character id, a 64-hex version and absolute urls", () => {
      const p = Prediction.parse(golden);
      expect(p.id).toMatch(/^[a-z0-9]{26}$/);
      expect(p.version).toMatch(/^[0-9a-f]{64}$/);
      expect(new URL(p.urls.get).pathname).toBe(`/v1/predictions/${p.id}`);
      expect(p.urls.cancel).toBe(`${p.urls.get}/cancel`);
      expect(new URL(p.urls.web).pathname).toBe(`/p/${p.id}`);
    });
  },
);

describe("golden prediction states", () => {
  it("succeeded: finished, with output and both metrics", () => {
    const p = Prediction.parse(fixture("prediction.succeeded.json"));
    expect(p.status).toBe("succeeded");
    expect(p.output).not.toBeNull();
    expect(p.completed_at).not.toBeNull();
    expect(p.metrics).toEqual({ predict_time: expect.any(Number), total_time: expect.any(Number) });
  });

  it("starting: null timestamps and output, empty metrics", () => {
    const p = Prediction.parse(fixture("prediction.starting.json"));
    expect(p).toMatchObject({ status: "starting", started_at: null, completed_at: null, output: null, metrics: {} });
  });
});

describe("Prediction's queue extension", () => {
  it("waiting: its place, estimated start and phase; unknown phases refused", () => {
    const p = Prediction.parse(fixture("prediction.waiting.json"));
    expect(p.status).toBe("starting");
    expect(p.queue).toEqual({
      position: 2,
      estimated_start_at: "2026-01-01T00:00:43.000Z",
      phase: "waiting_for_slot",
      phase_started_at: "2026-01-01T00:00:01.000Z",
    });
    const golden = fixture("prediction.waiting.json");
    const bad = { ...golden, queue: { ...(golden.queue as object), phase: "queued" } };
    expect(Prediction.safeParse(bad).success).toBe(false);
  });
});

describe("Prediction", () => {
  it("refuses relative urls", () => {
    const golden = fixture("prediction.starting.json");
    const relative = { ...golden, urls: { ...(golden.urls as object), get: "/v1/predictions/x" } };
    expect(Prediction.safeParse(relative).success).toBe(false);
  });

  it("refuses an unknown status and a short id", () => {
    const golden = fixture("prediction.starting.json");
    expect(Prediction.safeParse({ ...golden, status: "queued" }).success).toBe(false);
    expect(Prediction.safeParse({ ...golden, id: "abc" }).success).toBe(false);
  });
});

describe("CreatePredictionBody", () => {
  it("accepts a full body", () => {
    const body = {
      version: `acme/hello-world:${VERSION}`,
      input: { text: "world" },
      webhook: "https://example.com/hook",
      webhook_events_filter: ["start", "completed"],
      stream: false,
    };
    expect(CreatePredictionBody.parse(body)).toEqual(body);
  });

  it("refuses unknown keys", () => {
    const result = CreatePredictionBody.safeParse({ version: VERSION, input: {}, lifetime: 60 });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ code: "unrecognized_keys", keys: ["lifetime"] })]);
  });

  it.each([
    ["no version", { input: {} }],
    ["an empty version", { version: "", input: {} }],
    ["no input", { version: VERSION }],
    ["an array input", { version: VERSION, input: [] }],
    ["a webhook that is not a url", { version: VERSION, input: {}, webhook: "not a url" }],
    ["an unknown webhook event", { version: VERSION, input: {}, webhook_events_filter: ["started"] }],
  ])("refuses %s", (_label, body) => {
    expect(CreatePredictionBody.safeParse(body).success).toBe(false);
  });
});

describe("CreateModelPredictionBody", () => {
  it("takes input without a version and refuses a version key", () => {
    expect(CreateModelPredictionBody.safeParse({ input: {} }).success).toBe(true);
    expect(CreateModelPredictionBody.safeParse({ version: VERSION, input: {} }).success).toBe(false);
  });
});

describe("isTerminal", () => {
  it.each([
    ["starting", false],
    ["processing", false],
    ["succeeded", true],
    ["failed", true],
    ["canceled", true],
    ["aborted", true],
  ] as const)("%s → %s", (status, terminal) => {
    expect(isTerminal(status)).toBe(terminal);
  });
});
