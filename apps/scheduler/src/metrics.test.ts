import { boundedLabel, serviceRegistry } from "@gantry/platform/metrics";
import { describe, expect, it } from "vitest";
import { placementMetrics, webhookMetrics } from "./metrics.ts";

const at = { model: "acme/llm", hardware: "gpu-t4" };

describe("placement metrics", () => {
  it("count placements and their queue waits by warm instance or cold boot, model and hardware", async () => {
    const registry = serviceRegistry("scheduler");
    const placed = placementMetrics(registry);
    placed({ predictionId: "a", latencyMs: 4, warm: true, waited: false, ...at });
    placed({ predictionId: "b", latencyMs: 61_000, warm: false, waited: true, ...at });
    placed({ predictionId: "c", latencyMs: 3, warm: true, waited: false, ...at });
    placed({ predictionId: "d", latencyMs: 3, warm: true, waited: false, model: "gantry/test", hardware: "cpu" });
    const text = await registry.metrics();
    const labels = 'model="acme/llm",hardware="gpu-t4"';
    expect(text).toContain(`gantry_placements_total{placement="warm",${labels},service="scheduler"} 2`);
    expect(text).toContain(`gantry_placements_total{placement="cold",${labels},service="scheduler"} 1`);
    expect(text).toContain(
      'gantry_placements_total{placement="warm",model="gantry/test",hardware="cpu",service="scheduler"} 1',
    );
    expect(text).toContain(
      `gantry_queue_wait_seconds_bucket{le="0.005",service="scheduler",placement="warm",${labels}} 2`,
    );
    expect(text).toContain(
      `gantry_queue_wait_seconds_bucket{le="60",service="scheduler",placement="cold",${labels}} 0`,
    );
    expect(text).toContain(`gantry_queue_wait_seconds_sum{service="scheduler",placement="cold",${labels}} 61`);
  });

  it("never label more than 100 models: later ones share other", () => {
    const label = boundedLabel(100);
    for (let i = 0; i < 100; i++) expect(label(`o/m${i}`)).toBe(`o/m${i}`);
    expect(label("o/m100")).toBe("other");
    expect(label("o/m7")).toBe("o/m7");
  });
});

describe("webhook metrics", () => {
  it("count deliveries by event and status class, retries and give-ups", async () => {
    const registry = serviceRegistry("scheduler");
    const observe = webhookMetrics(registry);
    observe({ kind: "delivery", event: "completed", status: 503, attempt: 1, seconds: 0.01 });
    observe({ kind: "delivery", event: "completed", status: 204, attempt: 2, seconds: 0.01 });
    observe({ kind: "delivery", event: "start", status: null, attempt: 1, seconds: 0 });
    observe({ kind: "abandoned" });
    const text = await registry.metrics();
    expect(text).toContain('gantry_webhook_deliveries_total{event="completed",result="5xx",service="scheduler"} 1');
    expect(text).toContain('gantry_webhook_deliveries_total{event="completed",result="2xx",service="scheduler"} 1');
    expect(text).toContain('gantry_webhook_deliveries_total{event="start",result="error",service="scheduler"} 1');
    expect(text).toContain('gantry_webhook_retries_total{event="completed",service="scheduler"} 1');
    expect(text).toContain('gantry_webhook_abandoned_total{service="scheduler"} 1');
  });
});
