import { describe, expect, it } from "vitest";
import { type CogSnapshot, diffSnapshot, isTerminalCogStatus, parseSnapshot, userMetrics } from "./snapshot.ts";

const snap = (output: unknown, logs: string): CogSnapshot => ({ status: "processing", output, logs, error: null });

describe("parseSnapshot", () => {
  it("reads a Cog webhook body", () => {
    expect(parseSnapshot({ status: "processing", output: ["a"], logs: "x", error: null, id: "p1" })).toEqual({
      status: "processing",
      output: ["a"],
      logs: "x",
      error: null,
    });
  });

  it("fills in missing output, logs and error", () => {
    expect(parseSnapshot({ status: "starting" })).toEqual({ status: "starting", output: null, logs: "", error: null });
    expect(parseSnapshot({ status: "failed", logs: null, error: "boom" })).toEqual({
      status: "failed",
      output: null,
      logs: "",
      error: "boom",
    });
  });

  it.each([null, undefined, "processing", 42, [], {}, { status: 1 }])("is null for %j", (body) => {
    expect(parseSnapshot(body)).toBeNull();
  });
});

describe("diffSnapshot", () => {
  it("publishes the new log tail and new output items of a growing array", () => {
    const first = diffSnapshot(snap(["Hel"], "step 1\n"), { outputCount: 0, logsLength: 0 }, true);
    expect(first.events).toEqual([
      { type: "logs", data: "step 1\n" },
      { type: "output", index: 0, data: "Hel" },
    ]);
    expect(first.published).toEqual({ outputCount: 1, logsLength: 7 });

    const second = diffSnapshot(snap(["Hel", "lo", " world"], "step 1\nstep 2\n"), first.published, true);
    expect(second.events).toEqual([
      { type: "logs", data: "step 2\n" },
      { type: "output", index: 1, data: "lo" },
      { type: "output", index: 2, data: " world" },
    ]);
    expect(second.published).toEqual({ outputCount: 3, logsLength: 14 });
  });

  it("yields nothing for a snapshot behind what was published (out of order)", () => {
    const published = { outputCount: 3, logsLength: 14 };
    const late = diffSnapshot(snap(["Hel"], "step 1\n"), published, true);
    expect(late.events).toEqual([]);
    expect(late.published).toEqual(published);
  });

  it("yields nothing for a snapshot equal to what was published", () => {
    const published = { outputCount: 1, logsLength: 3 };
    expect(diffSnapshot(snap(["a"], "abc"), published, true).events).toEqual([]);
  });

  it("publishes no output items when the model does not stream", () => {
    const result = diffSnapshot(snap(["a", "b"], "log"), { outputCount: 0, logsLength: 0 }, false);
    expect(result.events).toEqual([{ type: "logs", data: "log" }]);
    expect(result.published.outputCount).toBe(0);
  });

  it("ignores an output that is not an array", () => {
    const result = diffSnapshot(snap("final text", ""), { outputCount: 0, logsLength: 0 }, true);
    expect(result.events).toEqual([]);
  });

  it("does not change the published state it was given", () => {
    const published = { outputCount: 0, logsLength: 0 };
    diffSnapshot(snap(["a"], "x"), published, true);
    expect(published).toEqual({ outputCount: 0, logsLength: 0 });
  });
});

describe("isTerminalCogStatus", () => {
  it.each([
    ["succeeded", true],
    ["failed", true],
    ["canceled", true],
    ["processing", false],
    ["starting", false],
    ["aborted", false],
    ["", false],
  ])("%s → %s", (status, terminal) => {
    expect(isTerminalCogStatus(status)).toBe(terminal);
  });
});

describe("userMetrics", () => {
  it("flattens nested record_metric values and keeps only numbers, without the platform's timings", () => {
    expect(
      userMetrics({ predict_time: 1.5, score: 2, tokens: { count: 3, per_s: 1.5 }, list: [1, 2], name: "x" }),
    ).toEqual({ score: 2, "tokens.count": 3, "tokens.per_s": 1.5 });
    expect(userMetrics(null)).toEqual({});
  });

  it("is carried by parseSnapshot only when the model recorded some", () => {
    expect(parseSnapshot({ status: "succeeded", metrics: { predict_time: 1 } })).not.toHaveProperty("metrics");
    expect(parseSnapshot({ status: "succeeded", metrics: { predict_time: 1, score: 4 } })?.metrics).toEqual({
      score: 4,
    });
  });
});
