import type { PredictionRecord } from "@gantry/contracts/prediction";
import { subjects } from "@gantry/contracts/subjects";
import { start as startAgent } from "@gantry/gpu-agent/service";
import { encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { DEFAULT_TOPOLOGY, ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { REPO_ROOT } from "@gantry/testing/stack";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { start } from "../../src/service.ts";
import { putTestVersion, record, WEBHOOKS, workItem } from "./harness.ts";

describe("scheduler with a real agent and nats-server", () => {
  it("two schedulers share the queue: every prediction placed once and succeeds", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    await putTestVersion(buckets, 8);
    const store = new PredictionStore(buckets.predictions, nc);
    const config = {
      agentStaleMs: 5000,
      runTimeoutMs: 60_000,
      retryDelayMs: 20,
      topology: DEFAULT_TOPOLOGY,
      webhooks: WEBHOOKS,
    };
    // Each service connects as its own NATS identity, as in production.
    const conns = await Promise.all(
      (["scheduler", "scheduler", "agent"] as const).map((id) => connect(nats.connectOptions(id))),
    );
    const s1 = await start({ nc: conns[0]!, now: () => new Date(), log: silentLogger, config });
    const s2 = await start({ nc: conns[1]!, now: () => new Date(), log: silentLogger, config });
    const agent = await startAgent({
      nc: conns[2]!,
      now: () => new Date(),
      log: silentLogger,
      config: {
        agentId: "sched-it",
        sku: "cpu",
        emulated: false,
        gpus: [],
        slots: 2,
        webhookPort: 0,
        modelsDir: REPO_ROOT,
        heartbeatMs: 200,
        idleStopMs: 300_000,
        setupTimeoutMs: 30_000,
        topology: DEFAULT_TOPOLOGY,
      },
    });
    try {
      const js = jetstream(nc);
      const ids = Array.from({ length: 30 }, (_, i) => `sched${String(i).padStart(21, "0")}`);
      for (const id of ids) {
        const r = record(id, { tokens: 2, sleep_ms: 20 });
        await store.create(r);
        await js.publish(subjects.work("cpu"), encode(workItem(r)), { msgID: id });
      }
      const deadline = Date.now() + 30_000;
      let done: PredictionRecord[] = [];
      while (Date.now() < deadline) {
        done = [];
        for (const id of ids) {
          const r = (await store.get(id))?.record;
          if (r && r.status !== "starting" && r.status !== "processing") done.push(r);
        }
        if (done.length === ids.length) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(done.map((r) => r.status)).toEqual(ids.map(() => "succeeded"));
      expect(done.every((r) => r.agent_id === "sched-it")).toBe(true);
      // The work queue is empty: every item was acknowledged once placed.
      const info = await (await js.jetstreamManager()).streams.info("WORK");
      expect(info.state.messages).toBe(0);
      // Nothing the schedulers and the agent did was refused by their permissions.
      expect(nats.violations()).toEqual([]);
    } finally {
      await s1.stop();
      await s2.stop();
      await agent.stop();
      for (const c of conns) await c.close();
      await nc.close();
    }
  }, 30_000);

  it("a prediction past its deadline before it starts is aborted, never run", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const store = new PredictionStore(buckets.predictions, nc);
    const svc = await start({
      nc,
      now: () => new Date(),
      log: silentLogger,
      config: {
        agentStaleMs: 5000,
        runTimeoutMs: 60_000,
        retryDelayMs: 20,
        topology: DEFAULT_TOPOLOGY,
        webhooks: WEBHOOKS,
      },
    });
    try {
      const id = "late0000000000000000000000";
      const r = { ...record(id, {}), deadline: new Date(Date.now() - 1000).toISOString() };
      await store.create(r);
      await jetstream(nc).publish(subjects.work("cpu"), encode(workItem(r)), { msgID: id });
      let status = "starting";
      for (let i = 0; i < 100 && status === "starting"; i++) {
        await new Promise((r) => setTimeout(r, 20));
        status = (await store.get(id))?.record.status ?? "missing";
      }
      expect(status).toBe("aborted");
    } finally {
      await svc.stop();
      await nc.close();
    }
  });
});
