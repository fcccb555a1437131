import { boundedLabel, Gauge, Histogram, LATENCY_BUCKETS, type Registry } from "@gantry/platform/metrics";
import type { ModelInstance } from "./model-instance.ts";

/**
 * The agent's metrics, read from its instances at each scrape: `gantry_instances` by state,
 * `gantry_slots` busy and free, and `gantry_cold_boot_seconds{model,hardware}` (launch → READY)
 * with its phases `gantry_cold_boot_phase_seconds{phase,model,hardware}` (`launch`: starting the
 * server; `setup`: until it is READY) of each instance that booted since the last scrape.
 */
export function agentMetrics(registry: Registry, instances: () => readonly ModelInstance[], hardware = "cpu"): void {
  const seen = new Set<string>();
  const model = boundedLabel();
  new Histogram({
    name: "gantry_cold_boot_seconds",
    help: "Model server boots, launch to READY, by model and hardware",
    labelNames: ["model", "hardware"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
    collect() {
      const live = new Set<string>();
      for (const i of instances()) {
        live.add(i.id);
        if (i.bootMs !== null && !seen.has(i.id)) {
          seen.add(i.id);
          const labels = { model: model(i.tenancy.model), hardware };
          this.observe(labels, i.bootMs / 1000);
          const launch = i.launchMs ?? 0;
          phases.observe({ phase: "launch", ...labels }, launch / 1000);
          phases.observe({ phase: "setup", ...labels }, Math.max(0, i.bootMs - launch) / 1000);
        }
      }
      for (const id of seen) if (!live.has(id)) seen.delete(id);
    },
  });
  // Registered after the boots it is observed from, so a scrape shows both in step.
  const phases = new Histogram({
    name: "gantry_cold_boot_phase_seconds",
    help: "Model server boots by phase: launch (process, container, weights) and setup (until READY)",
    labelNames: ["phase", "model", "hardware"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: "gantry_instances",
    help: "Model instances on this agent, by state",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      this.reset();
      for (const i of instances()) this.inc({ state: i.state });
    },
  });
  new Gauge({
    name: "gantry_slots",
    help: "Prediction slots of this agent's instances, busy and free",
    labelNames: ["kind"],
    registers: [registry],
    collect() {
      let busy = 0;
      let free = 0;
      for (const i of instances()) {
        busy += i.running.size;
        free += Math.max(0, i.free);
      }
      this.set({ kind: "busy" }, busy);
      this.set({ kind: "free" }, free);
    },
  });
}
