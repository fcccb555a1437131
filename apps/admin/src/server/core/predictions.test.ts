import type { PredictionRecord } from "@gantry/contracts/prediction";
import { predictionRecord } from "@gantry/testing/fixtures";
import { describe, expect, it } from "vitest";
import {
  cursorOf,
  detail,
  matches,
  PredictionSearch,
  parseIndexKey,
  selectPositions,
  summarize,
} from "./predictions.ts";

const record = (over: Partial<PredictionRecord> = {}): PredictionRecord =>
  predictionRecord({
    id: "a".repeat(26),
    account_id: "dev",
    input: { tokens: 3, api_key: "sk-secret" },
    created_at: "2026-01-01T00:00:00.000Z",
    secret_fields: ["api_key"],
    ...over,
  });

describe("index keys", () => {
  it("parses <account>.<ms>.<id> and refuses anything else", () => {
    expect(parseIndexKey("dev.1700000000000.abc")).toEqual({ account: "dev", ms: 1700000000000, id: "abc" });
    expect(parseIndexKey("dev.notanumber.abc")).toBeNull();
    expect(parseIndexKey("dev.1.abc.extra")).toBeNull();
    expect(parseIndexKey("dev")).toBeNull();
  });
});

describe("selectPositions", () => {
  const positions = [
    { account: "a", ms: 1000, id: "p1" },
    { account: "b", ms: 3000, id: "p3" },
    { account: "a", ms: 2000, id: "p2" },
    { account: "a", ms: 2000, id: "p2b" },
  ];
  const q = (over: object) => PredictionSearch.parse(over);

  it("orders newest first, ties by id descending", () => {
    expect(selectPositions(positions, q({})).map((p) => p.id)).toEqual(["p3", "p2b", "p2", "p1"]);
  });

  it("filters by account and by the creation window (after inclusive, before exclusive)", () => {
    expect(selectPositions(positions, q({ account: "a" })).map((p) => p.id)).toEqual(["p2b", "p2", "p1"]);
    const window = q({ createdAfter: new Date(2000).toISOString(), createdBefore: new Date(3000).toISOString() });
    expect(selectPositions(positions, window).map((p) => p.id)).toEqual(["p2b", "p2"]);
  });

  it("continues strictly after a cursor, even inside a tie", () => {
    const first = selectPositions(positions, q({}));
    const cursor = cursorOf(first[1] ?? positions[0]!);
    expect(selectPositions(positions, q({ cursor })).map((p) => p.id)).toEqual(["p2", "p1"]);
  });
});

describe("records", () => {
  it("match model and any of the statuses", () => {
    const r = record({ status: "processing" });
    expect(matches(r, PredictionSearch.parse({ model: "gantry/test", status: ["processing", "starting"] }))).toBe(true);
    expect(matches(r, PredictionSearch.parse({ model: "gantry/other" }))).toBe(false);
    expect(matches(r, PredictionSearch.parse({ status: ["succeeded"] }))).toBe(false);
  });

  it("summarize times: queued until started, total until completed", () => {
    const r = record({
      status: "succeeded",
      started_at: "2026-01-01T00:00:01.500Z",
      completed_at: "2026-01-01T00:00:03.000Z",
      metrics: { predict_time: 1.5, total_time: 3 },
    });
    const s = summarize(r, new Date("2026-01-01T01:00:00Z"));
    expect(s).toMatchObject({ queue_ms: 1500, total_ms: 3000, predict_time: 1.5 });
    const waiting = summarize(record(), new Date("2026-01-01T00:00:02Z"));
    expect(waiting).toMatchObject({ queue_ms: 2000, total_ms: 2000, predict_time: null });
  });

  it("detail redacts secret inputs", () => {
    const d = detail(record(), new Date());
    expect(d.input).toEqual({ tokens: 3, api_key: "**********" });
  });
});
