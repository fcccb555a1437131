import type { Canary, DeploymentRecord } from "@gantry/contracts/deployments";
import { describe, expect, it } from "vitest";
import { counted, judge, NO_STATS, settle, shareOf, versionFor } from "./canary.ts";

const V1 = "1".repeat(64);
const V2 = "2".repeat(64);
const canary = (over: Partial<Canary> = {}): Canary => ({
  version: V2,
  release: 2,
  started_at: "2026-01-01T00:00:00.000Z",
  percent: 10,
  min_predictions: 4,
  max_failure_rate_increase: 0.05,
  max_latency_ratio: 1.5,
  stable: NO_STATS,
  canary: NO_STATS,
  ...over,
});
const deployment = (c: Canary | null): DeploymentRecord => ({
  owner: "acme",
  name: "svc",
  account_id: "acct",
  model: "acme/m",
  version: V1,
  hardware: "cpu",
  min_instances: 0,
  max_instances: 1,
  release: 2,
  release_created_at: "2026-01-01T00:00:00.000Z",
  created_at: "2026-01-01T00:00:00.000Z",
  canary: c,
});
const finished = (version: string, status: string, ms = 100) => ({
  version,
  status,
  predictTimeMs: ms,
  createdAt: "2026-01-01T00:00:01.000Z",
});

describe("canary releases", () => {
  it("send about their percent of draws to the new version, the same draw always the same way", () => {
    const d = deployment(canary({ percent: 10 }));
    const draws = Array.from({ length: 5000 }, (_, i) => `draw-${i}`);
    const share = draws.filter((x) => versionFor(d, x) === V2).length / draws.length;
    expect(share).toBeGreaterThan(0.08);
    expect(share).toBeLessThan(0.12);
    expect(versionFor(d, "draw-7")).toBe(versionFor(d, "draw-7"));
    expect(versionFor(deployment(null), "x")).toBe(V1);
    expect(shareOf("abc")).toBe(shareOf("abc"));
  });

  it("count each finished prediction in its version's arm; canceled, older or foreign ones not at all", () => {
    let c: Canary | null = canary();
    c = counted(c, V1, finished(V2, "succeeded", 120));
    c = c && counted(c, V1, finished(V2, "failed"));
    c = c && counted(c, V1, finished(V1, "succeeded", 80));
    expect(c?.canary).toEqual({ predictions: 2, failed: 1, predict_ms: 120 });
    expect(c?.stable).toEqual({ predictions: 1, failed: 0, predict_ms: 80 });
    expect(counted(canary(), V1, finished(V2, "canceled"))).toBeNull();
    expect(counted(canary(), V1, finished("3".repeat(64), "succeeded"))).toBeNull();
    expect(counted(canary(), V1, { ...finished(V2, "succeeded"), createdAt: "2025-12-31T23:59:59.000Z" })).toBeNull();
  });

  it("wait for enough predictions, then promote within bounds and roll back past them", () => {
    const arm = (predictions: number, failed: number, meanMs: number) => ({
      predictions,
      failed,
      predict_ms: (predictions - failed) * meanMs,
    });
    expect(judge(canary({ canary: arm(3, 0, 100) }))).toEqual({ decided: false });
    expect(judge(canary({ stable: arm(40, 2, 100), canary: arm(4, 0, 120) }))).toMatchObject({ result: "promoted" });
    expect(judge(canary({ stable: arm(40, 0, 100), canary: arm(4, 1, 100) }))).toMatchObject({
      result: "rolled_back",
      reason: expect.stringContaining("failure rate 25.0%"),
    });
    expect(judge(canary({ stable: arm(40, 0, 1000), canary: arm(4, 0, 2000) }))).toMatchObject({
      result: "rolled_back",
      reason: expect.stringContaining("mean predict time 2000 ms"),
    });
    // Twice as slow, but by 10 ms: noise, not a regression.
    expect(judge(canary({ stable: arm(40, 0, 10), canary: arm(4, 0, 20) }))).toMatchObject({ result: "promoted" });
  });

  it("promotion makes the new version the deployment's as a new release; a rollback keeps the old one", () => {
    const d = deployment(canary({ canary: { predictions: 4, failed: 0, predict_ms: 400 } }));
    const at = new Date("2026-01-02T00:00:00.000Z");
    const up = settle(d, { result: "promoted", reason: "ok" }, at);
    expect(up).toMatchObject({
      version: V2,
      release: 3,
      canary: null,
      last_canary: { result: "promoted", version: V2 },
    });
    const back = settle(d, { result: "rolled_back", reason: "slow" }, at);
    expect(back).toMatchObject({ version: V1, release: 2, canary: null, last_canary: { result: "rolled_back" } });
  });
});
