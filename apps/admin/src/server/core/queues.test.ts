import { describe, expect, it } from "vitest";
import { depthBySku, queueViews, SampleRing } from "./queues.ts";

describe("queues", () => {
  it("reads depth per SKU from work subjects", () => {
    expect(depthBySku({ "work.v1.predictions.cpu": 3, "work.v1.predictions.gpu-t4": 0, "other.x": 9 })).toEqual({
      cpu: 3,
    });
    expect(depthBySku(undefined)).toEqual({});
  });

  it("keeps the latest samples only", () => {
    const ring = new SampleRing(2);
    for (const s of [1, 2, 3]) ring.push({ at: new Date(s * 1000).toISOString(), depth: { cpu: s } });
    expect(ring.since(0).map((s) => s.depth.cpu)).toEqual([2, 3]);
    expect(ring.since(3000).map((s) => s.depth.cpu)).toEqual([3]);
    expect(ring.latest?.depth.cpu).toBe(3);
  });

  it("rows: deepest first, with the oldest wait", () => {
    const now = new Date("2026-01-01T00:00:10Z");
    const rows = queueViews({ cpu: 1, "gpu-t4": 4 }, { cpu: "2026-01-01T00:00:00Z" }, now);
    expect(rows).toEqual([
      { sku: "gpu-t4", depth: 4, oldest_enqueued_at: null, oldest_wait_ms: null },
      { sku: "cpu", depth: 1, oldest_enqueued_at: "2026-01-01T00:00:00Z", oldest_wait_ms: 10_000 },
    ]);
  });
});
