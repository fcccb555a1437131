import { PredictionChanged } from "@gantry/contracts/events";
import { isTerminal } from "@gantry/contracts/prediction";
import { STREAMS } from "@gantry/contracts/subjects";
import { decode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { start } from "../../src/service.ts";
import {
  enqueue,
  newId,
  putTestVersion,
  record,
  SCHEDULER_CONFIG,
  spawnScheduler,
  startTestAgent,
  waitTerminal,
} from "./harness.ts";

describe("failures with real processes and nats-server", () => {
  it("kill -9 of a scheduler mid-burst: every prediction ends exactly once, the other scheduler takes over", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    await putTestVersion(buckets, 1);
    const store = new PredictionStore(buckets.predictions, nc);
    // Every terminal write, as the store announces it: a prediction ending twice would show twice.
    const endings = new Map<string, number>();
    const sub = nc.subscribe("predictions.v1.changed.*", {
      callback: (_err, m) => {
        const r = decode(PredictionChanged, m.data, "changed").record;
        if (isTerminal(r.status)) endings.set(r.id, (endings.get(r.id) ?? 0) + 1);
      },
    });
    // The victim runs alone at first, so it holds (unacknowledged) every prediction not yet placed.
    const victim = spawnScheduler(nats);
    let survivor: ReturnType<typeof spawnScheduler> | undefined;
    const agents = await Promise.all(["k1", "k2"].map((id) => startTestAgent(nats, id, 2)));
    try {
      const burst = Array.from({ length: 24 }, (_, i) =>
        record(newId("kill"), { sleep_ms: 100 }, { account_id: `acct${i % 3}` }),
      );
      await enqueue(nc, store, burst);
      // Some have run, most still wait in the victim's lanes.
      for (let i = 0; i < 200; i++) {
        const ended = (await Promise.all(burst.map((r) => store.get(r.id)))).filter(
          (s) => s && isTerminal(s.record.status),
        ).length;
        if (ended >= 3) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(victim.exitCode).toBeNull();
      survivor = spawnScheduler(nats);
      victim.kill("SIGKILL");
      const done = await waitTerminal(
        store,
        burst.map((r) => r.id),
        60_000,
      );
      expect(done.map((r) => r.status)).toEqual(burst.map(() => "succeeded"));
      await new Promise((r) => setTimeout(r, 200));
      expect([...endings.values()].every((n) => n === 1)).toBe(true);
      expect(endings.size).toBe(burst.length);
      // Nothing is left behind in the work queue: what the victim had placed but not yet
      // acknowledged comes back after the ack wait, is seen to have ended, and is acknowledged.
      const jsm = await jetstreamManager(nc);
      let left = -1;
      for (let i = 0; i < 100 && left !== 0; i++) {
        left = (await jsm.streams.info(STREAMS.work.name)).state.messages;
        if (left) await new Promise((r) => setTimeout(r, 200));
      }
      expect(left).toBe(0);
    } finally {
      sub.unsubscribe();
      victim.kill("SIGKILL");
      survivor?.kill("SIGTERM");
      for (const a of agents) await a.close();
      await nc.close();
    }
  }, 90_000);

  it("an agent that comes back under the same id: what ran on its old process fails clearly", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    await putTestVersion(buckets, 1);
    const store = new PredictionStore(buckets.predictions, nc);
    // Heartbeats never go stale here: only the restart can reveal the loss.
    const scheduler = await start({
      nc,
      now: () => new Date(),
      log: silentLogger,
      config: { ...SCHEDULER_CONFIG, agentStaleMs: 120_000 },
    });
    const first = await startTestAgent(nats, "phoenix", 1);
    // It has output when its agent goes: the failure contract ends it (no run again), unbilled.
    const long = record(newId("lost"), { tokens: 300, token_delay_ms: 100 });
    const hasOutput = async () => ((await store.get(long.id))?.record.output as unknown[] | null)?.length ?? 0;
    try {
      await enqueue(nc, store, [long]);
      for (let i = 0; i < 300 && (await hasOutput()) === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect((await store.get(long.id))?.record.status).toBe("processing");
      expect(await hasOutput()).toBeGreaterThan(0);
      // The process goes away with its model server, before it could report anything.
      await first.close();
      const second = await startTestAgent(nats, "phoenix", 1);
      try {
        const [ended] = await waitTerminal(store, [long.id], 10_000);
        expect(ended?.status).toBe("failed");
        expect(ended?.error).toMatch(/agent running this prediction \(phoenix\) restarted/);
        expect(ended?.metrics.predict_time).toBe(0);
        // The new process takes work as usual.
        const next = record(newId("next"), { tokens: 2 });
        await enqueue(nc, store, [next]);
        const [after] = await waitTerminal(store, [next.id], 20_000);
        expect(after?.status).toBe("succeeded");
      } finally {
        await second.close();
      }
    } finally {
      await scheduler.stop();
      await nc.close();
    }
  }, 60_000);
});
