import type { PredictionRecord } from "@gantry/contracts/prediction";
import { describe, expect, it } from "vitest";
import { newEvents, sentStateOf } from "./webhook-events.ts";

const base = {
  id: "p".repeat(26),
  status: "starting",
  output: null,
  logs: "",
  webhook_events_filter: null,
} as unknown as PredictionRecord;
const at = (o: Partial<PredictionRecord>): PredictionRecord => ({ ...base, ...o });
const ALL = ["start", "output", "logs", "completed"] as const;

describe("newEvents", () => {
  it("sends start, output and logs as they appear", () => {
    const sent = sentStateOf(base);
    expect(newEvents(sent, at({ status: "processing", output: ["a"], logs: "x" }), ALL)).toEqual([
      "start",
      "output",
      "logs",
    ]);
  });

  it("follows the filter; without one, output only (completed goes its own way)", () => {
    const next = at({ status: "processing", output: ["a"], logs: "x" });
    expect(newEvents(sentStateOf(base), next, ["logs"])).toEqual(["logs"]);
    expect(newEvents(sentStateOf(base), next, null)).toEqual(["output"]);
  });

  it("sends no logs webhook for a starting prediction's wait notes, and counts the model's logs from zero", () => {
    const queued = at({ logs: "Queued: waiting for a free cpu instance of gantry/test.\n" });
    expect(newEvents(sentStateOf(base), queued, ALL)).toEqual([]);
    const sent = sentStateOf(queued);
    expect(newEvents(sent, at({ status: "processing", logs: "hi\n" }), ALL)).toEqual(["start", "logs"]);
  });

  it("nothing for a terminal record", () => {
    expect(newEvents(sentStateOf(base), at({ status: "succeeded", output: ["a"] }), ALL)).toEqual([]);
  });
});
