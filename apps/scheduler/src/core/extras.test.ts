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
      { agentId: "a", versionId: V, deployment: null, count: 1, idleMs: TWO_MIN },
      { agentId: "b", versionId: V, deployment: null, count: 1, idleMs: TWO_MIN },
    ]);
  });

  it("keeps the instance used last when every instance of the version is idle", () => {
    const agents = [
      agent("a", [inst(V, { last_used: minutesAgo(4) })]),
      agent("b", [inst(V, { last_used: minutesAgo(8) }), inst(V, { last_used: minutesAgo(6) })]),
    ];
    expect(extrasToStop(agents, now, 5000, TWO_MIN)).toEqual([
      { agentId: "b", versionId: V, deployment: null, count: 2, idleMs: TWO_MIN },
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
      { agentId: "b", versionId: V, deployment: null, count: 1, idleMs: TWO_MIN },
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

  it("with perBoot, gives each lane its boot times as its window, within the bounds; an unknown boot keeps the longest", () => {
    const perBoot = { boots: 1.5, minMs: 60_000 };
    const idle = (version: string, minutes: number, bootMs: number | null) =>
      inst(version, { last_used: minutesAgo(minutes), boot_ms: bootMs });
    const X = "c".repeat(64);
    const Y = "d".repeat(64);
    const agents = [
      // V boots in 10 s: its window is the floor, 60 s; the extra idle 1.5 min goes.
      agent("a", [idle(V, 1.5, 10_000), idle(V, 0.5, 10_000)]),
      // W boots in 60 s: 90 s; idle 1.4 min stays, 1.6 min goes.
      agent("b", [idle(W, 1.4, 60_000), idle(W, 1.6, 60_000), idle(W, 0.2, 60_000)]),
      // X boots in 2 min: 3 min capped at 2; idle 2.5 min goes.
      agent("c", [idle(X, 2.5, 120_000), idle(X, 0.2, 120_000)]),
      // Y's boot is unknown: the full 2 min; idle 1.9 min stays.
      agent("d", [idle(Y, 1.9, null), idle(Y, 0.2, null)]),
    ];
    expect(extrasToStop(agents, now, 5000, TWO_MIN, perBoot)).toEqual([
      { agentId: "a", versionId: V, deployment: null, count: 1, idleMs: 60_000 },
      { agentId: "b", versionId: W, deployment: null, count: 1, idleMs: 90_000 },
      { agentId: "c", versionId: X, deployment: null, count: 1, idleMs: TWO_MIN },
    ]);
  });
});
