import { serviceRegistry } from "@gantry/platform/metrics";
import { describe, expect, it } from "vitest";
import { agentMetrics } from "../../src/metrics.ts";
import { startAgent } from "./harness.ts";

describe("the agent's metrics", () => {
  it("show its instances by state, busy and free slots, and each cold boot once", async () => {
    const t = await startAgent();
    try {
      const registry = serviceRegistry("agent");
      agentMetrics(registry, () => t.agent.instances());
      const value = (text: string, series: string) =>
        Number(new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
      const { id } = await t.run({ tokens: 30, token_delay_ms: 50 }, { concurrency: 2 });
      await t.processing(id);
      let text = await registry.metrics();
      expect(value(text, 'gantry_instances{state="ready",service="agent"}')).toBe(1);
      expect(value(text, 'gantry_slots{kind="busy",service="agent"}')).toBe(1);
      expect(value(text, 'gantry_slots{kind="free",service="agent"}')).toBe(1);
      expect(value(text, 'gantry_cold_boot_seconds_count{service="agent"}')).toBe(1);
      await t.finished(id);
      text = await registry.metrics();
      expect(value(text, 'gantry_slots{kind="busy",service="agent"}')).toBe(0);
      // The same boot is not counted again.
      expect(value(text, 'gantry_cold_boot_seconds_count{service="agent"}')).toBe(1);
    } finally {
      await t.close();
    }
  });
});
