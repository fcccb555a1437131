import { serviceRegistry } from "@gantry/platform/metrics";
import { describe, expect, it } from "vitest";
import { placementMetrics } from "./metrics.ts";

describe("placement metrics", () => {
  it("count placements and their queue waits by warm instance or cold boot", async () => {
    const registry = serviceRegistry("scheduler");
    const placed = placementMetrics(registry);
    placed({ predictionId: "a", latencyMs: 4, warm: true, waited: false });
    placed({ predictionId: "b", latencyMs: 61_000, warm: false, waited: true });
    placed({ predictionId: "c", latencyMs: 3, warm: true, waited: false });
    const text = await registry.metrics();
    expect(text).toContain('gantry_placements_total{placement="warm",service="scheduler"} 2');
    expect(text).toContain('gantry_placements_total{placement="cold",service="scheduler"} 1');
    expect(text).toContain('gantry_queue_wait_seconds_bucket{le="0.005",service="scheduler",placement="warm"} 2');
    expect(text).toContain('gantry_queue_wait_seconds_bucket{le="60",service="scheduler",placement="cold"} 0');
    expect(text).toContain('gantry_queue_wait_seconds_sum{service="scheduler",placement="cold"} 61');
  });
});
