import type { AgentHeartbeat, InstanceStatus } from "@gantry/contracts/agents";
import { describe, expect, it } from "vitest";
import {
  ASSUME_MS,
  assumePlaced,
  DEFAULT_SCALE_POLICY,
  DRAIN_GIVE_UP,
  evictAfterMs,
  msPerStart,
  rankCandidates,
  shouldBoot,
  withAssumed,
} from "./placement.ts";

const V1 = "1".repeat(64);
const V2 = "2".repeat(64);
const NOW = new Date("2026-01-01T00:01:00.000Z");
const STALE_MS = 15_000;
const JOB = { versionId: V1, hardware: "gpu-h100", deployment: null };

function instance(overrides: Partial<InstanceStatus> = {}): InstanceStatus {
  return {
    version_id: V1,
    state: "ready",
    concurrency: 1,
    running: 0,
    booted_at: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}

function agent(agentId: string, overrides: Partial<AgentHeartbeat> = {}): AgentHeartbeat {
  return {
    agent_id: agentId,
    sku: "gpu-h100",
    emulated: true,
    gpus: [],
    slots: 1,
    instances: [],
    at: new Date(NOW.getTime() - 1_000).toISOString(),
    ...overrides,
  };
}

const rank = (agents: AgentHeartbeat[]) => rankCandidates(agents, JOB, NOW, STALE_MS);

describe("rankCandidates", () => {
  it("puts warm agents before cold ones", () => {
    expect(rank([agent("cold"), agent("warm", { instances: [instance()] })])).toEqual([
      { agentId: "warm", warm: true },
      { agentId: "cold", warm: false },
    ]);
  });

  it("skips agents of other SKUs", () => {
    expect(rank([agent("t4", { sku: "gpu-t4", instances: [instance()] }), agent("h100")])).toEqual([
      { agentId: "h100", warm: false },
    ]);
  });

  it("skips stale agents", () => {
    const stale = new Date(NOW.getTime() - STALE_MS - 1).toISOString();
    const edge = new Date(NOW.getTime() - STALE_MS).toISOString();
    expect(rank([agent("stale", { at: stale, instances: [instance()] }), agent("edge", { at: edge })])).toEqual([
      { agentId: "edge", warm: false },
    ]);
  });

  it("skips draining agents, and their instances do not hold back a boot elsewhere", () => {
    const leaving = agent("leaving", { draining: true, instances: [instance()] });
    expect(rank([leaving, agent("other")])).toEqual([{ agentId: "other", warm: false }]);
    const lane = { waitedMs: 0, waiting: 1 };
    expect(shouldBoot([leaving, agent("other")], JOB, lane, DEFAULT_SCALE_POLICY, NOW, STALE_MS)).toBe(true);
  });

  it("does not count a full instance as warm", () => {
    const full = instance({ concurrency: 2, running: 2 });
    // No free slot and nothing idle to evict: no room at all.
    expect(rank([agent("full", { instances: [full] })])).toEqual([]);
    // A free slot to boot a second instance: a cold candidate.
    expect(rank([agent("roomy", { slots: 2, instances: [full] })])).toEqual([{ agentId: "roomy", warm: false }]);
  });

  it("does not count a failed instance as warm, nor as taking a slot", () => {
    expect(rank([agent("a", { instances: [instance({ state: "failed" })] })])).toEqual([{ agentId: "a", warm: false }]);
  });

  it("counts a booting instance of the version with a free slot as warm", () => {
    const booting = instance({ state: "booting", running: 0, booted_at: null });
    expect(rank([agent("a", { instances: [booting] })])).toEqual([{ agentId: "a", warm: true }]);
  });

  it("counts an idle instance of another version as room (it can be evicted)", () => {
    expect(rank([agent("a", { instances: [instance({ version_id: V2 })] })])).toEqual([{ agentId: "a", warm: false }]);
  });

  it("does not evict a busy or booting instance", () => {
    const busy = instance({ version_id: V2, state: "busy", running: 1 });
    const booting = instance({ version_id: V2, state: "booting", running: 0, booted_at: null });
    expect(rank([agent("busy", { instances: [busy] }), agent("booting", { instances: [booting] })])).toEqual([]);
  });

  it("orders warm agents least loaded first", () => {
    const agents = [
      agent("busy", { instances: [instance({ concurrency: 4, running: 3 })] }),
      agent("idle", { instances: [instance({ concurrency: 4, running: 0 })] }),
      agent("half", { instances: [instance({ concurrency: 4, running: 2 })] }),
    ];
    expect(rank(agents).map((c) => c.agentId)).toEqual(["idle", "half", "busy"]);
  });

  it("rates a warm agent by its least loaded instance of the version", () => {
    const agents = [
      agent("a", { slots: 2, instances: [instance({ concurrency: 4, running: 1 })] }),
      agent("b", {
        slots: 2,
        instances: [instance({ concurrency: 4, running: 3 }), instance({ concurrency: 4, running: 0 })],
      }),
    ];
    expect(rank(agents).map((c) => c.agentId)).toEqual(["b", "a"]);
  });

  it("orders cold agents emptiest first", () => {
    const other = instance({ version_id: V2, state: "busy", running: 1 });
    const agents = [
      agent("three-quarters", { slots: 4, instances: [other, other, other] }),
      agent("empty", { slots: 4 }),
      agent("half", { slots: 4, instances: [other, other] }),
    ];
    expect(rank(agents).map((c) => c.agentId)).toEqual(["empty", "half", "three-quarters"]);
  });

  it("accepts any iterable", () => {
    const agents = new Map([["a", agent("a")]]);
    expect(rankCandidates(agents.values(), JOB, NOW, STALE_MS)).toEqual([{ agentId: "a", warm: false }]);
  });
});

describe("rankCandidates: deployments", () => {
  const DEPLOYED = { ...JOB, deployment: "acme/prod", maxInstances: 2 };

  it("keeps deployments' instances and shared ones apart", () => {
    const shared = agent("shared", { slots: 2, instances: [instance()] });
    const deployed = agent("deployed", { slots: 2, instances: [instance({ deployment: "acme/prod" })] });
    expect(rankCandidates([shared, deployed], DEPLOYED, NOW, STALE_MS)[0]).toEqual({ agentId: "deployed", warm: true });
    expect(rank([shared, deployed])[0]).toEqual({ agentId: "shared", warm: true });
  });

  it("boots no instance beyond max_instances: the prediction waits", () => {
    const busy = instance({ deployment: "acme/prod", state: "busy", running: 1 });
    const agents = [agent("a", { slots: 2, instances: [busy] }), agent("b", { slots: 2, instances: [busy] })];
    expect(rankCandidates(agents, DEPLOYED, NOW, STALE_MS)).toEqual([]);
    expect(rankCandidates(agents, { ...DEPLOYED, maxInstances: 3 }, NOW, STALE_MS)).toHaveLength(2);
  });

  it("never evicts an instance kept warm for a deployment", () => {
    const kept = instance({ version_id: V2, deployment: "acme/other", leased: true });
    expect(rank([agent("a", { instances: [kept] })])).toEqual([]);
    expect(rank([agent("a", { instances: [{ ...kept, leased: false }] })])).toEqual([{ agentId: "a", warm: false }]);
  });
});

describe("assumePlaced", () => {
  it("adds one running prediction to a non-full instance of the version", () => {
    const a = agent("a", { instances: [instance({ version_id: V2 }), instance({ concurrency: 2, running: 1 })] });
    const next = assumePlaced(a, JOB, 2);
    expect(next.instances).toEqual([instance({ version_id: V2 }), instance({ concurrency: 2, running: 2 })]);
  });

  it("adds a booting instance when there is none with a free slot", () => {
    const full = instance({ concurrency: 1, running: 1 });
    const next = assumePlaced(agent("a", { slots: 2, instances: [full] }), JOB, 3);
    expect(next.instances).toEqual([
      full,
      { version_id: V1, deployment: null, state: "booting", concurrency: 3, running: 1, booted_at: null },
    ]);
  });

  it("ignores a failed instance", () => {
    const failed = instance({ state: "failed" });
    const next = assumePlaced(agent("a", { slots: 2, instances: [failed] }), JOB, 1);
    expect(next.instances).toEqual([
      failed,
      { version_id: V1, deployment: null, state: "booting", concurrency: 1, running: 1, booted_at: null },
    ]);
  });

  it("does not change the heartbeat it was given", () => {
    const a = agent("a", { instances: [instance({ concurrency: 2, running: 0 })] });
    const before = structuredClone(a);
    assumePlaced(a, JOB, 2);
    assumePlaced(agent("b"), JOB, 1);
    expect(a).toEqual(before);
  });

  it("makes the next ranking see the placement", () => {
    const a = agent("a", { instances: [instance({ concurrency: 1, running: 0 })] });
    expect(rank([a])).toEqual([{ agentId: "a", warm: true }]);
    expect(rank([assumePlaced(a, JOB, 1)])).toEqual([]);
  });
});

describe("shouldBoot: capacity follows the queue", () => {
  const policy = DEFAULT_SCALE_POLICY;
  const boot = (agents: AgentHeartbeat[], waitedMs: number, waiting: number, job = JOB) =>
    shouldBoot(agents, job, { waitedMs, waiting }, policy, NOW, STALE_MS);
  const busy = instance({ state: "busy", running: 1 });

  it("boots the first instance of a model at once", () => {
    expect(boot([agent("a", { slots: 2 })], 0, 1)).toBe(true);
  });

  it("waits for a busy instance rather than boot at once", () => {
    expect(boot([agent("a", { slots: 2, instances: [busy] })], 100, 1)).toBe(false);
  });

  it("scales up once the head has waited past the threshold", () => {
    expect(boot([agent("a", { slots: 2, instances: [busy] })], policy.scaleUpAfterMs, 1)).toBe(true);
  });

  it("does not boot more while booting instances cover the queue", () => {
    const booting = instance({ state: "booting", running: 0 });
    expect(boot([agent("a", { slots: 4, instances: [busy, booting] })], 5000, 1)).toBe(false);
    expect(boot([agent("a", { slots: 4, instances: [busy, booting] })], 5000, 2)).toBe(true);
  });

  it("never beyond max_instances", () => {
    const job = { ...JOB, maxInstances: 1 };
    expect(boot([agent("a", { slots: 2, instances: [busy] })], 60_000, 50, job)).toBe(false);
  });

  it("ranks no cold candidate when booting is not allowed, and spares recently used instances", () => {
    const other = instance({ version_id: V2, last_used: new Date(NOW.getTime() - 500).toISOString() });
    const agents = [agent("a", { instances: [other] })];
    expect(rankCandidates(agents, JOB, NOW, STALE_MS, { allowed: false, evictIdleMs: 0 })).toEqual([]);
    expect(rankCandidates(agents, JOB, NOW, STALE_MS, { allowed: true, evictIdleMs: 1000 })).toEqual([]);
    expect(rankCandidates(agents, JOB, NOW, STALE_MS, { allowed: true, evictIdleMs: 100 })).toEqual([
      { agentId: "a", warm: false },
    ]);
  });
});

describe("drain before boot (drainHorizonMs)", () => {
  const policy = { ...DEFAULT_SCALE_POLICY, drainHorizonMs: 20_000 };
  const busy = (predictMs: number | null, o: Partial<InstanceStatus> = {}) =>
    instance({ state: "busy", running: 1, predict_ms: predictMs, ...o });

  it("frees a slot every mean predict time over the ready slots; booting, stale and other lanes' instances do not count", () => {
    const agents = [
      agent("a", { slots: 4, instances: [busy(10_000), busy(30_000), instance({ state: "booting", running: 0 })] }),
      agent("b", { slots: 2, instances: [busy(1_000, { version_id: V2 }), busy(50_000, { concurrency: 2 })] }),
      agent("stale", { instances: [busy(1)], at: new Date(NOW.getTime() - 60_000).toISOString() }),
      agent("t4", { sku: "gpu-t4", instances: [busy(1)] }),
    ];
    // Mean of 10, 30 and 50 s over 1 + 1 + 2 slots.
    expect(msPerStart(agents, JOB, NOW, STALE_MS)).toBe(30_000 / 4);
    // Unknown until an instance has run something, and without a ready instance.
    expect(msPerStart([agent("a", { instances: [busy(null)] })], JOB, NOW, STALE_MS)).toBeUndefined();
    expect(
      msPerStart([agent("a", { instances: [instance({ state: "booting" })] })], JOB, NOW, STALE_MS),
    ).toBeUndefined();
  });

  it("scales up only when the queue would not drain on the ready instances within the horizon", () => {
    const agents = [agent("a", { slots: 2, instances: [busy(8_000)] })];
    const boot = (waiting: number, perStart: number | undefined) =>
      shouldBoot(
        agents,
        JOB,
        { waitedMs: 5000, waiting, ...(perStart === undefined ? {} : { msPerStart: perStart }) },
        policy,
        NOW,
        STALE_MS,
      );
    // One slot freeing every 8 s: two waiting start within 16 s, three take 24 s.
    expect(boot(2, 8_000)).toBe(false);
    expect(boot(3, 8_000)).toBe(true);
    // No estimate: scale up as before.
    expect(boot(1, undefined)).toBe(true);
    // Without the horizon the lane scales up once its head waited scaleUpAfterMs.
    const { drainHorizonMs: _, ...noHorizon } = policy;
    expect(shouldBoot(agents, JOB, { waitedMs: 5000, waiting: 1, msPerStart: 8_000 }, noHorizon, NOW, STALE_MS)).toBe(
      true,
    );
  });

  it("gives up on the estimate once the head waited DRAIN_GIVE_UP horizons (a hung instance, slower predictions)", () => {
    const agents = [agent("a", { slots: 2, instances: [busy(100)] })];
    const boot = (waitedMs: number) =>
      shouldBoot(agents, JOB, { waitedMs, waiting: 3, msPerStart: 100 }, policy, NOW, STALE_MS);
    expect(boot(DRAIN_GIVE_UP * 20_000 - 1)).toBe(false);
    expect(boot(DRAIN_GIVE_UP * 20_000)).toBe(true);
  });

  it("still boots a lane's first instance at once, and counts booting slots against the queue first", () => {
    expect(
      shouldBoot([agent("a", { slots: 2 })], JOB, { waitedMs: 0, waiting: 5, msPerStart: 1 }, policy, NOW, STALE_MS),
    ).toBe(true);
    const booting = instance({ state: "booting", running: 0 });
    const agents = [agent("a", { slots: 4, instances: [busy(30_000), booting] })];
    // Five waiting, one covered by the booting instance: four beyond it take 4 × 30 s.
    expect(shouldBoot(agents, JOB, { waitedMs: 5000, waiting: 5, msPerStart: 30_000 }, policy, NOW, STALE_MS)).toBe(
      true,
    );
    expect(shouldBoot(agents, JOB, { waitedMs: 5000, waiting: 1, msPerStart: 30_000 }, policy, NOW, STALE_MS)).toBe(
      false,
    );
  });
});

describe("withAssumed: a heartbeat in flight does not undo a placement", () => {
  const hbAt = NOW.getTime() - 1_000;
  const placedAfter = { job: JOB, concurrency: 1, at: hbAt + 10 };
  const placedBefore = { job: JOB, concurrency: 1, at: hbAt - 10 };

  it("lays placements made after the heartbeat was taken over it", () => {
    const { heartbeat, pending } = withAssumed(agent("a", { slots: 2 }), [placedAfter], NOW.getTime());
    expect(heartbeat.instances).toHaveLength(1);
    expect(heartbeat.instances[0]).toMatchObject({ version_id: V1, state: "booting", running: 1 });
    expect(pending).toEqual([placedAfter]);
    expect(
      shouldBoot(
        [heartbeat],
        { ...JOB, maxInstances: 1 },
        { waitedMs: 0, waiting: 1 },
        DEFAULT_SCALE_POLICY,
        NOW,
        STALE_MS,
      ),
    ).toBe(false);
  });

  it("trusts a heartbeat taken after the placement, and forgets old assumptions", () => {
    expect(withAssumed(agent("a"), [placedBefore], NOW.getTime())).toEqual({ heartbeat: agent("a"), pending: [] });
    const stale = { ...placedAfter };
    expect(withAssumed(agent("a"), [stale], stale.at + ASSUME_MS).pending).toEqual([]);
  });
});

describe("evictAfterMs", () => {
  const policy = { scaleUpAfterMs: 500, evictIdleMs: 2000, starveAfterMs: 5000 };

  it("asks other models' instances to have idled evictIdleMs, unless the lane has none and starved", () => {
    expect(evictAfterMs(policy, { waitedMs: 4999, waiting: 3 }, 0)).toBe(2000);
    expect(evictAfterMs(policy, { waitedMs: 5000, waiting: 3 }, 0)).toBe(0);
    // A lane that has an instance is served by it, however long its head waited.
    expect(evictAfterMs(policy, { waitedMs: 60_000, waiting: 3 }, 1)).toBe(2000);
    expect(evictAfterMs({ scaleUpAfterMs: 500, evictIdleMs: 2000 }, { waitedMs: 60_000, waiting: 1 }, 0)).toBe(2000);
  });
});
