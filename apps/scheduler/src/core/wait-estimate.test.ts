import { describe, expect, it } from "vitest";
import {
  DrainRates,
  estimateStartMs,
  MAX_TRACKED_POSITION,
  shouldRewrite,
  WAIT_REWRITE_MS,
  waitLine,
} from "./wait-estimate.ts";

describe("estimateStartMs", () => {
  const base = { nowMs: 1_000_000, drainIntervalMs: 4000, warm: true, bootMs: null };

  it("is one drain interval per prediction ahead, and one for its own turn", () => {
    expect(estimateStartMs({ ...base, ahead: 0 })).toBe(1_004_000);
    expect(estimateStartMs({ ...base, ahead: 3 })).toBe(1_016_000);
  });

  it("adds the version's boot when no instance of it runs", () => {
    expect(estimateStartMs({ ...base, ahead: 1, warm: false, bootMs: 30_000 })).toBe(1_038_000);
  });

  it("has no estimate for a lane that never drained, or a cold version never seen booting", () => {
    expect(estimateStartMs({ ...base, ahead: 0, drainIntervalMs: null })).toBeNull();
    expect(estimateStartMs({ ...base, ahead: 0, warm: false, bootMs: null })).toBeNull();
  });
});

describe("shouldRewrite", () => {
  it("writes the first note, then a changed position at most every WAIT_REWRITE_MS", () => {
    expect(shouldRewrite(undefined, 500, 0)).toBe(true);
    const last = { position: 5, atMs: 10_000 };
    expect(shouldRewrite(last, 5, 10_000 + WAIT_REWRITE_MS * 10)).toBe(false);
    expect(shouldRewrite(last, 4, 10_000 + WAIT_REWRITE_MS - 1)).toBe(false);
    expect(shouldRewrite(last, 4, 10_000 + WAIT_REWRITE_MS)).toBe(true);
  });

  it("leaves positions deep in a long queue alone", () => {
    const last = { position: MAX_TRACKED_POSITION + 50, atMs: 0 };
    expect(shouldRewrite(last, MAX_TRACKED_POSITION, 60_000)).toBe(false);
    expect(shouldRewrite(last, MAX_TRACKED_POSITION - 1, 60_000)).toBe(true);
  });
});

describe("waitLine", () => {
  it("says why first, then the position and the estimate", () => {
    const o = { hardware: "gpu-t4", model: "acme/llm", nowMs: 0 };
    expect(waitLine({ ...o, first: true, ahead: 0, startMs: null })).toBe(
      "Queued: waiting for a free gpu-t4 instance of acme/llm.",
    );
    expect(waitLine({ ...o, first: true, ahead: 2, startMs: 12_400 })).toBe(
      "Queued: waiting for a free gpu-t4 instance of acme/llm (2 ahead), starting in about 12 s.",
    );
    expect(waitLine({ ...o, first: false, ahead: 0, startMs: 100 })).toBe("Queued: next, starting in about 1 s.");
    expect(waitLine({ ...o, first: false, ahead: 7, startMs: null })).toBe("Queued: 7 ahead.");
  });
});

describe("DrainRates", () => {
  it("learns a lane's interval between placements, weighting the newest", () => {
    const r = new DrainRates();
    expect(r.intervalMs("L")).toBeNull();
    r.placed("L", 0);
    expect(r.intervalMs("L")).toBeNull();
    r.placed("L", 1000);
    expect(r.intervalMs("L")).toBe(1000);
    r.placed("L", 3000);
    expect(r.intervalMs("L")).toBeCloseTo(1300);
    expect(r.intervalMs("other")).toBeNull();
  });

  it("forgets the least recently placed lane past its bound", () => {
    const r = new DrainRates(2);
    for (const lane of ["a", "b"]) {
      r.placed(lane, 0);
      r.placed(lane, 10);
    }
    r.placed("a", 20);
    r.placed("c", 30);
    r.placed("c", 40);
    expect(r.intervalMs("b")).toBeNull();
    expect(r.intervalMs("a")).not.toBeNull();
    expect(r.intervalMs("c")).toBe(10);
  });
});
