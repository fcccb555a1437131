import type { AgentHeartbeat, InstanceStatus } from "@gantry/contracts/agents";
import { describe, expect, it } from "vitest";
import { extrasToStop } from "./extras.ts";

const V = "a".repeat(64);
const W = "b".repeat(64);
const now = new Date("2026-01-01T01:00:00.000Z");
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();
const inst = (version: string, o: Partial<InstanceStatus> = {}): InstanceStatus => ({
  version_id: version,
  deployment: null,
  state: "ready",
  concurrency: 1,
  running: 0,
  booted_at: null,
  last_used: minutesAgo(5),
  ...o,
});
const agent = (id: string, instances: InstanceStatus[], o: Partial<AgentHeartbeat> = {}): AgentHeartbeat => ({
  agent_id: id,
  sku: "cpu",
  emulated: false,
  gpus: [],
  slots: 4,
  instances,
  at: "2026-01-01T00:59:59.000Z",
  ...o,
});
const TWO_MIN = 120_000;

describe("extrasToStop", () => {
  it("stops the idle extras of a version while another instance serves, and never its last one", () => {
    const agents = [
      agent("a", [inst(V, { last_used: minutesAgo(9) }), inst(V, { running: 1, state: "busy" })]),
      agent("b", [inst(V, { last_used: minutesAgo(3) }), inst(V, { last_used: minutesAgo(1) })]),
      // A version with one instance keeps it, however long it idled (the agents' own window).
      agent("c", [inst(W, { last_used: minutesAgo(50) })]),
    ];
    const stops = extrasToStop(agents, now, 5000, TWO_MIN);
    // V: 4 live, one busy; the two idle past 2 min go (the one idle 1 min stays, and so does the busy one).
    expect(stops).toEqual([
      { agentId: "a", versionId: V, deployment: null, count: 1 },
      { agentId: "b", versionId: V, deployment: null, count: 1 },
    ]);
  });

  it("keeps the instance used last when every instance of the version is idle", () => {
    const agents = [
      agent("a", [inst(V, { last_used: minutesAgo(4) })]),
      agent("b", [inst(V, { last_used: minutesAgo(8) }), inst(V, { last_used: minutesAgo(6) })]),
    ];
    expect(extrasToStop(agents, now, 5000, TWO_MIN)).toEqual([
      { agentId: "b", versionId: V, deployment: null, count: 2 },
    ]);
  });

  it("counts booting instances as serving but never stops one, nor a leased one", () => {
    const agents = [
      agent("a", [
        inst(V, { state: "booting", last_used: minutesAgo(9) }),
        inst(V, { leased: true, last_used: minutesAgo(9) }),
      ]),
      agent("b", [inst(V, { last_used: minutesAgo(7) })]),
    ];
    expect(extrasToStop(agents, now, 5000, TWO_MIN)).toEqual([
      { agentId: "b", versionId: V, deployment: null, count: 1 },
    ]);
  });

  it("keeps lanes apart: a deployment's instances and another SKU's are not extras of the shared ones", () => {
    const agents = [
      agent("a", [inst(V, { last_used: minutesAgo(9) })]),
      agent("b", [inst(V, { deployment: "acme/d", last_used: minutesAgo(9) })]),
      agent("c", [inst(V, { last_used: minutesAgo(9) })], { sku: "gpu-t4" }),
    ];
    expect(extrasToStop(agents, now, 5000, TWO_MIN)).toEqual([]);
  });

  it("ignores failed instances, and stale or draining agents (neither counted nor asked)", () => {
    const agents = [
      agent("a", [inst(V, { last_used: minutesAgo(9) }), inst(V, { state: "failed", last_used: minutesAgo(9) })]),
      agent("stale", [inst(V, { last_used: minutesAgo(9) })], { at: minutesAgo(1) }),
      agent("draining", [inst(V, { last_used: minutesAgo(9) })], { draining: true }),
    ];
    expect(extrasToStop(agents, now, 5000, TWO_MIN)).toEqual([]);
  });
});
