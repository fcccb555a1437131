import { describe, expect, it } from "vitest";
import {
  DEFAULT_DEMAND_MODEL,
  DEFAULT_SCALING,
  DemandTracker,
  demandInstances,
  deploymentWarm,
  resolveScaling,
  scheduledInstances,
} from "./warm-demand.ts";

const m = DEFAULT_DEMAND_MODEL;

describe("demandInstances", () => {
  it("is Little's law plus z·√load", () => {
    // 2 arrivals/s × 10 s = 20 busy; + √20 ≈ 4.5 → 25.
    expect(demandInstances(0.002, 10_000, 60_000, { targetConcurrency: 1 }, m)).toBe(25);
    // Four predictions per instance: load 5, + √5 → 8.
    expect(demandInstances(0.002, 10_000, 60_000, { targetConcurrency: 4 }, m)).toBe(8);
  });

  it("keeps one idle instance only while the arrivals expected within its boots justify it (rent or buy)", () => {
    // One arrival in 100 s, a 120 s boot: 2 boots see 2.4 arrivals → keep one.
    expect(demandInstances(1 / 100_000, 1000, 120_000, { targetConcurrency: 1 }, m)).toBe(1);
    // Same rate, a 10 s boot: 0.2 arrivals → boot again when needed.
    expect(demandInstances(1 / 100_000, 1000, 10_000, { targetConcurrency: 1 }, m)).toBe(0);
    expect(demandInstances(0, 1000, 10_000, { targetConcurrency: 1 }, m)).toBe(0);
  });
});

describe("DemandTracker", () => {
  it("keeps the buffer beyond the predictions in flight, and releases after the scale-down window", () => {
    const t = new DemandTracker();
    const s = { ...DEFAULT_SCALING, buffer: 1, scaleDownWindowMs: 10_000, predictive: false };
    t.arrive("l", 0);
    expect(t.target("l", 0, s)).toBe(2); // one running, one idle beyond it
    t.finished("l", 1000, 1000);
    expect(t.target("l", 1000, s)).toBe(2); // held for the window
    expect(t.target("l", 10_500, s)).toBe(1); // demand gone; the buffer stays while arrivals are recent
    expect(t.target("l", 25_000, s)).toBe(0);
  });

  it("estimates the rate from arrivals and scales with it", () => {
    const t = new DemandTracker();
    for (let at = 0; at < 600_000; at += 500) {
      t.arrive("l", at);
      t.finished("l", 10_000, at);
    }
    expect(t.ratePerS("l", 600_000)).toBeGreaterThan(1.5);
    expect(t.target("l", 600_000, { ...DEFAULT_SCALING, predictive: true })).toBeGreaterThanOrEqual(20);
  });
});

describe("scheduledInstances", () => {
  const at = (iso: string) => Date.parse(iso);
  it("opens windows by UTC time and day, wrapping past midnight", () => {
    const w = [
      { start: "09:00", end: "17:00", instances: 2, days: [1, 2, 3, 4, 5] },
      { start: "22:00", end: "02:00", instances: 1 },
    ];
    expect(scheduledInstances(w, at("2026-12-02T10:00:00Z"))).toBe(2); // a Wednesday
    expect(scheduledInstances(w, at("2026-12-06T10:00:00Z"))).toBe(0); // a Sunday
    expect(scheduledInstances(w, at("2026-12-06T01:00:00Z"))).toBe(1);
    expect(scheduledInstances(w, at("2026-12-02T17:00:00Z"))).toBe(0);
  });
});

describe("resolveScaling", () => {
  it("takes the deployment's knob, else the model's, else the platform's; target concurrency capped", () => {
    const s = resolveScaling({ buffer: 2 }, { buffer: 1, scale_down_window: 30, target_concurrency: 8 }, 4);
    expect(s).toMatchObject({ buffer: 2, scaleDownWindowMs: 30_000, targetConcurrency: 4, predictive: false });
    expect(resolveScaling(undefined, null, 1)).toEqual(DEFAULT_SCALING);
  });
  it("keeps a deployment within min and max instances", () => {
    expect(deploymentWarm(0, 1, 3)).toBe(1);
    expect(deploymentWarm(7, 1, 3)).toBe(3);
  });
});
