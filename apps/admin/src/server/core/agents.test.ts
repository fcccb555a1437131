import { describe, expect, it } from "vitest";
import { agentView } from "./agents.ts";

describe("agentView", () => {
  const now = new Date("2026-01-01T00:01:00Z");
  const hb = {
    agent_id: "agent-0",
    sku: "gpu-t4",
    emulated: false,
    gpus: [{ index: 0, name: "Tesla T4", uuid: "GPU-1", memory_mib: 15360 }],
    slots: 4,
    instances: [
      {
        version_id: "a".repeat(64),
        state: "busy" as const,
        concurrency: 4,
        running: 3,
        booted_at: "2026-01-01T00:00:00Z",
      },
      { version_id: "b".repeat(64), state: "booting" as const, concurrency: 1, running: 0, booted_at: null },
    ],
    at: "2026-01-01T00:00:58Z",
  };

  it("sums running over capacity, counts slots, names models and ages instances", () => {
    const v = agentView(hb, now, 5000, (id) => (id.startsWith("a") ? "gantry/test" : null));
    expect(v).toMatchObject({ running: 3, capacity: 5, utilization: 0.6, slots_used: 2, slots: 4, stale: false });
    expect(v.instances[0]).toMatchObject({ model: "gantry/test", utilization: 0.75, up_s: 60 });
    expect(v.instances[1]).toMatchObject({ model: null, utilization: 0, up_s: null });
  });

  it("is stale when the heartbeat is older than the limit", () => {
    expect(agentView(hb, now, 1000, () => null).stale).toBe(true);
  });
});
