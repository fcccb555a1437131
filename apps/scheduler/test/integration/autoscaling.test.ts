import { AgentHeartbeat } from "@gantry/contracts/agents";
import { decode, encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { DEFAULT_SCALE_POLICY, type ScalePolicy } from "../../src/core/placement.ts";
import { type Placed, start } from "../../src/service.ts";
import {
  enqueue,
  newId,
  putTestDeployment,
  putTestVersion,
  record,
  SCHEDULER_CONFIG,
  startTestAgent,
  waitTerminal,
} from "./harness.ts";

const now = () => new Date();

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("autoscaling with real agents and nats-server", () => {
  /**
   * 16 predictions of 300 ms at once on two agents of two slots (boots take 1.5 s) under the given
   * scale policy, the scheduler as its own NATS identity; each must succeed, then `settle` waits for
   * what should follow (by default every instance stopping again, the agents' idle window being
   * `agentIdleMs`). Returns the most instances live at once and the placements.
   */
  async function burst(
    scale: ScalePolicy,
    prefix: string,
    o: { agentIdleMs?: number; settle?: (live: () => number) => Promise<void> } = {},
  ): Promise<{ most: number; placed: Placed[] }> {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    await putTestVersion(buckets, 1);
    const store = new PredictionStore(buckets.predictions, nc);
    const placed: Placed[] = [];
    const config = { ...SCHEDULER_CONFIG, scale };
    const snc = await connect(nats.connectOptions("scheduler"));
    const scheduler = await start({ nc: snc, now, log: silentLogger, config, onPlaced: (p) => placed.push(p) });
    const agentIdleMs = o.agentIdleMs ?? 1500;
    const agents = await Promise.all([1, 2].map((i) => startTestAgent(nats, `${prefix}-${i}`, 2, agentIdleMs)));
    const live = () => agents.flatMap((a) => a.instances()).filter((i) => i.state !== "failed").length;
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, live());
    }, 5);
    try {
      const burst = Array.from({ length: 16 }, () => record(newId(prefix), { sleep_ms: 300 }));
      await enqueue(nc, store, burst);
      const done = await waitTerminal(
        store,
        burst.map((r) => r.id),
        60_000,
      );
      expect(done.every((r) => r.status === "succeeded")).toBe(true);
      await (o.settle ?? (() => until("every instance to stop", () => live() === 0, 15_000)))(live);
      return { most, placed };
    } finally {
      clearInterval(watch);
      await scheduler.stop();
      for (const a of agents) await a.close();
      await snc.close();
      await nc.close();
    }
  }

  it("bound boots: scales up under a burst, then back to zero when idle", async () => {
    const { most } = await burst({ ...DEFAULT_SCALE_POLICY, unbound: false }, "up");
    // One instance could not keep up: the queue grew and more were booted, up to every slot.
    expect(most).toBeGreaterThanOrEqual(3);
    expect(most).toBeLessThanOrEqual(4);
  }, 90_000);

  it("unbound boots: the lane's first boot takes its head; the rest are booted for the queue, whose predictions take whichever slot is free first", async () => {
    const { most, placed } = await burst(DEFAULT_SCALE_POLICY, "ub"); // unbound: the default
    // The queue grew, so the lane booted more instances …
    expect(most).toBeGreaterThanOrEqual(3);
    expect(most).toBeLessThanOrEqual(4);
    // … but only the first prediction was bound to a boot (the lane had no instance): every other
    // one went to a ready instance's free slot.
    expect(placed).toHaveLength(16);
    expect(placed.filter((p) => !p.warm)).toHaveLength(1);
  }, 90_000);

  it("extras go early: after a burst the idle extras stop after extraIdleMs and the model keeps one instance", async () => {
    // The agents' own idle window is long: only the scheduler's trims (it may ask agents to) stop anything here.
    const { most } = await burst({ ...DEFAULT_SCALE_POLICY, extraIdleMs: 1500 }, "ex", {
      agentIdleMs: 120_000,
      settle: async (live) => {
        await until("the extras to stop", () => live() === 1, 15_000);
        // The last one stays: the agents' window (2 min) is its, not the extras' 1.5 s.
        await new Promise((r) => setTimeout(r, 3000));
        expect(live()).toBe(1);
      },
    });
    expect(most).toBeGreaterThanOrEqual(3);
  }, 90_000);

  it("drains before it boots: a warm lane whose queue its ready instance clears within the horizon boots nothing", async () => {
    /** One 300 ms prediction to warm the model (its agent then reports `predict_ms`), then `n` at once. */
    const run = async (scale: ScalePolicy, prefix: string, n: number) => {
      await using nats = await startNatsServer();
      const nc = await connect(nats.connectOptions());
      const buckets = await ensureTopology(nc);
      await putTestVersion(buckets, 1);
      const store = new PredictionStore(buckets.predictions, nc);
      const snc = await connect(nats.connectOptions("scheduler"));
      const scheduler = await start({ nc: snc, now, log: silentLogger, config: { ...SCHEDULER_CONFIG, scale } });
      const agent = await startTestAgent(nats, `${prefix}-1`, 2, 120_000);
      let most = 0;
      const watch = setInterval(() => {
        most = Math.max(most, agent.instances().filter((i) => i.state !== "failed").length);
      }, 5);
      try {
        const first = record(newId(prefix), { sleep_ms: 300 });
        await enqueue(nc, store, [first]);
        await waitTerminal(store, [first.id], 30_000);
        // The scheduler reads it from the heartbeat: wait until the bucket has it (its watch follows within ms).
        const reported = async () => {
          const e = await buckets.agents.get(`${prefix}-1`);
          return e ? decode(AgentHeartbeat, e.value, "heartbeat").instances[0]?.predict_ms != null : false;
        };
        await until("predict_ms in the agent's heartbeat", reported, 5000);
        await new Promise((r) => setTimeout(r, 100));
        const queue = Array.from({ length: n }, () => record(newId(prefix), { sleep_ms: 300 }));
        await enqueue(nc, store, queue);
        const done = await waitTerminal(
          store,
          queue.map((r) => r.id),
          60_000,
        );
        expect(done.every((r) => r.status === "succeeded")).toBe(true);
        return most;
      } finally {
        clearInterval(watch);
        await scheduler.stop();
        await agent.close();
        await snc.close();
        await nc.close();
      }
    };
    // Ten waiting on one ready instance that ends a prediction every ~0.3 s: about 3 s to drain, inside 20 s.
    expect(await run({ ...DEFAULT_SCALE_POLICY, drainHorizonMs: 20_000 }, "dr", 10)).toBe(1);
    // Without the horizon the lane scales up once its head waited 0.5 s.
    const { drainHorizonMs: _, ...noHorizon } = DEFAULT_SCALE_POLICY;
    expect(await run(noHorizon, "nd", 10)).toBe(2);
  }, 90_000);

  it("keeps a deployment's min_instances warm past the idle window, and lets them go at zero", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    await putTestVersion(buckets, 1);
    const deployment = await putTestDeployment(buckets, "warm", { min_instances: 1, max_instances: 2 });
    const scheduler = await start({ nc, now, log: silentLogger, config: SCHEDULER_CONFIG });
    const agent = await startTestAgent(nats, "keep-1", 2, 500);
    const kept = () =>
      agent.instances().filter((i) => i.tenancy.deployment === "acme/warm" && i.state === "ready").length;
    try {
      await until("the deployment's instance", () => kept() === 1, 20_000);
      // Well past the agent's idle window (500 ms): the lease keeps it.
      await new Promise((r) => setTimeout(r, 2500));
      expect(kept()).toBe(1);
      await buckets.deployments.put("acme/warm", encode({ ...deployment, min_instances: 0, release: 2 }));
      await until("the instance to stop once its lease lapses", () => agent.instances().length === 0, 15_000);
    } finally {
      await scheduler.stop();
      await agent.close();
      await nc.close();
    }
  }, 60_000);

  it("keeps a deployment's scheduled pre-warm past the idle window, and releases it after the scale-down window", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    await putTestVersion(buckets, 1);
    // Two windows that cover the whole day (UTC), so the test does not depend on the hour.
    const allDay = [
      { start: "00:00", end: "12:00", instances: 1 },
      { start: "12:00", end: "00:00", instances: 1 },
    ];
    const deployment = await putTestDeployment(buckets, "knobs", {
      min_instances: 0,
      max_instances: 2,
      scaling: { prewarm: allDay, scale_down_window: 1 },
    });
    const scheduler = await start({ nc, now, log: silentLogger, config: SCHEDULER_CONFIG });
    const agent = await startTestAgent(nats, "knobs-1", 2, 500);
    const kept = () =>
      agent.instances().filter((i) => i.tenancy.deployment === "acme/knobs" && i.state === "ready").length;
    try {
      await until("the pre-warmed instance", () => kept() === 1, 20_000);
      await new Promise((r) => setTimeout(r, 2500));
      expect(kept()).toBe(1);
      await buckets.deployments.put(
        "acme/knobs",
        encode({ ...deployment, scaling: { scale_down_window: 1 }, release: 2 }),
      );
      await until("the instance to stop after the window", () => agent.instances().length === 0, 15_000);
    } finally {
      await scheduler.stop();
      await agent.close();
      await nc.close();
    }
  }, 60_000);
});
