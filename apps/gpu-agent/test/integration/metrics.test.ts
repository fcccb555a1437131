import { portOf, serveMetrics, serviceRegistry } from "@gantry/platform/metrics";
import { describe, expect, it } from "vitest";
import { agentMetrics } from "../../src/metrics.ts";
import { startAgent } from "./harness.ts";

describe("the agent's metrics", () => {
  it("show its instances by state, busy and free slots, and each cold boot once, by model and phase", async () => {
    const t = await startAgent();
    const registry = serviceRegistry("agent");
    agentMetrics(registry, () => t.agent.instances(), "cpu");
    const server = await serveMetrics(registry, 0, "127.0.0.1");
    try {
      const scrape = async () => (await fetch(`http://127.0.0.1:${portOf(server)}/metrics`)).text();
      const value = (text: string, series: string) =>
        Number(new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
      const labels = 'model="gantry/test",hardware="cpu"';
      const { id } = await t.run({ tokens: 30, token_delay_ms: 50 }, { concurrency: 2 });
      await t.processing(id);
      let text = await scrape();
      expect(value(text, 'gantry_instances{state="ready",service="agent"}')).toBe(1);
      expect(value(text, 'gantry_slots{kind="busy",service="agent"}')).toBe(1);
      expect(value(text, 'gantry_slots{kind="free",service="agent"}')).toBe(1);
      expect(value(text, `gantry_cold_boot_seconds_count{service="agent",${labels}}`)).toBe(1);
      expect(value(text, `gantry_cold_boot_phase_seconds_count{service="agent",phase="launch",${labels}}`)).toBe(1);
      expect(value(text, `gantry_cold_boot_phase_seconds_count{service="agent",phase="setup",${labels}}`)).toBe(1);
      // The phases add up to the boot.
      const sum = (phase: string) =>
        value(text, `gantry_cold_boot_phase_seconds_sum{service="agent",phase="${phase}",${labels}}`);
      expect(sum("launch") + sum("setup")).toBeCloseTo(
        value(text, `gantry_cold_boot_seconds_sum{service="agent",${labels}}`),
        6,
      );
      await t.finished(id);
      text = await scrape();
      expect(value(text, 'gantry_slots{kind="busy",service="agent"}')).toBe(0);
      // The same boot is not counted again.
      expect(value(text, `gantry_cold_boot_seconds_count{service="agent",${labels}}`)).toBe(1);
      expect(value(text, `gantry_cold_boot_phase_seconds_count{service="agent",phase="setup",${labels}}`)).toBe(1);
    } finally {
      server.close();
      await t.close();
    }
  });
});
