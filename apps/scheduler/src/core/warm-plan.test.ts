import type { AgentHeartbeat, InstanceStatus } from "@gantry/contracts/agents";
import { describe, expect, it } from "vitest";
import { planWarm } from "./warm-plan.ts";

const V = "a".repeat(64);
const now = new Date("2026-01-01T00:00:10.000Z");
const inst = (version: string, state: InstanceStatus["state"] = "ready"): InstanceStatus => ({
  version_id: version,
  deployment: "acme/d",
  state,
  concurrency: 1,
  running: 0,
  booted_at: null,
});
const agent = (id: string, instances: InstanceStatus[], o: Partial<AgentHeartbeat> = {}): AgentHeartbeat => ({
  agent_id: id,
  sku: "cpu",
  emulated: false,
  gpus: [],
  slots: 2,
  instances,
  at: "2026-01-01T00:00:09.000Z",
  ...o,
});

describe("planWarm", () => {
  it("renews what runs and places the shortfall on the emptiest agents with room", () => {
    const plan = planWarm(
      [agent("a", [inst(V)]), agent("b", [inst("b".repeat(64))]), agent("c", [])],
      { versionId: V, deployment: "acme/d", hardware: "cpu", minInstances: 3 },
      now,
      5000,
    );
    expect(Object.fromEntries(plan)).toEqual({ a: 2, c: 1 });
  });

  it("skips stale and draining agents, other hardware and failed instances; asks nothing when min is met", () => {
    const agents = [
      agent("stale", [], { at: "2026-01-01T00:00:00.000Z" }),
      agent("gpu", [], { sku: "gpu-t4" }),
      agent("leaving", [inst(V)], { draining: true }),
      agent("a", [inst(V, "failed")]),
    ];
    expect(
      Object.fromEntries(
        planWarm(agents, { versionId: V, deployment: "acme/d", hardware: "cpu", minInstances: 1 }, now, 5000),
      ),
    ).toEqual({ a: 1 });
    expect(
      planWarm(
        [agent("a", [inst(V)])],
        { versionId: V, deployment: "acme/d", hardware: "cpu", minInstances: 0 },
        now,
        5000,
      ).size,
    ).toBe(0);
    // More than the minimum running: only the minimum is kept warm, the rest may scale down.
    const two = planWarm(
      [agent("a", [inst(V), inst(V)])],
      { versionId: V, deployment: "acme/d", hardware: "cpu", minInstances: 1 },
      now,
      5000,
    );
    expect(Object.fromEntries(two)).toEqual({ a: 1 });
  });

  it("places no more than the agents have room for", () => {
    const full = agent("a", [inst("b".repeat(64)), inst("c".repeat(64))]);
    expect(
      planWarm([full], { versionId: V, deployment: "acme/d", hardware: "cpu", minInstances: 2 }, now, 5000).size,
    ).toBe(0);
  });
});
