import { Counter, Histogram, LATENCY_BUCKETS, type Registry } from "@gantry/platform/metrics";
import type { Placed } from "./placer.ts";

/**
 * The scheduler's placement metrics: `gantry_placements_total` by whether the prediction went to
 * a warm instance or waited for a cold boot, and `gantry_queue_wait_seconds` (enqueue → the agent
 * took it) the same way.
 */
export function placementMetrics(registry: Registry): (p: Placed) => void {
  const placements = new Counter({
    name: "gantry_placements_total",
    help: "Predictions placed on an agent, by warm instance or cold boot",
    labelNames: ["placement"],
    registers: [registry],
  });
  const wait = new Histogram({
    name: "gantry_queue_wait_seconds",
    help: "From enqueue to an agent taking the prediction, by warm instance or cold boot",
    labelNames: ["placement"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  return (p) => {
    const placement = p.warm ? "warm" : "cold";
    placements.inc({ placement });
    wait.observe({ placement }, p.latencyMs / 1000);
  };
}
