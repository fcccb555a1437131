import type { PredictionRecord } from "@gantry/contracts/prediction";
import { STREAMS, subjects } from "@gantry/contracts/subjects";
import { UsageEvent } from "@gantry/contracts/usage";
import { decode, encode } from "@gantry/platform/codec";
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
  putTestDeployment,
  putTestVersion,
  record,
  SCHEDULER_CONFIG,
  startTestAgent,
  waitTerminal,
} from "./harness.ts";

const now = () => new Date();

describe("queueing with a real agent and nats-server", () => {
  it("one account's burst does not starve another's prediction; waiting ones say they are queued", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    await putTestVersion(buckets, 1);
    const store = new PredictionStore(buckets.predictions, nc);
    const scheduler = await start({ nc, now, log: silentLogger, config: SCHEDULER_CONFIG });
    const agent = await startTestAgent(nats, "fair-1", 1);
    try {
      const burst = Array.from({ length: 10 }, () => record(newId("burst"), { sleep_ms: 60 }, { account_id: "big" }));
      await enqueue(nc, store, burst);
      const last = burst.at(-1)!;
      let note = "";
      let queue: PredictionRecord["queue"];
      for (let i = 0; i < 100 && !note; i++) {
        const r = (await store.get(last.id))?.record;
        if (r?.status === "starting" && r.logs) ({ logs: note, queue } = r);
        else await new Promise((r) => setTimeout(r, 10));
      }
      expect(note).toMatch(/^Queued: waiting for a free cpu instance of gantry\/test \(\d ahead\)/);
      // The record says it too: its place in the lane (the burst's first runs, the rest wait in order).
      expect(queue?.phase).toBe("waiting_for_slot");
      expect(queue?.position).toBeGreaterThanOrEqual(1);
      expect(queue?.position).toBeLessThanOrEqual(8);

      const small = record(newId("small"), { sleep_ms: 60 }, { account_id: "small" });
      await enqueue(nc, store, [small]);
      const done = await waitTerminal(store, [...burst.map((r) => r.id), small.id]);
      expect(done.every((r) => r.status === "succeeded")).toBe(true);
      // One slot runs one at a time: the order of starts is the order of service.
      const order = [...done].sort((a, b) => Date.parse(a.started_at!) - Date.parse(b.started_at!)).map((r) => r.id);
      const smallAt = order.indexOf(small.id);
      const burstLeftBehind = order.slice(smallAt + 1).length;
      // Without fairness it would run last, behind the whole burst; served in turn it runs within a
      // couple of turns of arriving (the burst's first runs meanwhile).
      expect(burstLeftBehind).toBeGreaterThanOrEqual(5);
      // Logs of a started prediction are the model's own: the wait notes are gone.
      expect(done.find((r) => r.id === last.id)?.logs).not.toContain("Queued");
      expect(done.filter((r) => r.queue !== undefined)).toEqual([]);
    } finally {
      await scheduler.stop();
      await agent.close();
      await nc.close();
    }
  }, 30_000);

  it("a queued prediction canceled before placement leaves the queue at once, not when its turn comes", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    await putTestVersion(buckets, 1);
    const store = new PredictionStore(buckets.predictions, nc);
    const jsm = await jetstreamManager(nc);
    const scheduler = await start({ nc, now, log: silentLogger, config: SCHEDULER_CONFIG });
    const agent = await startTestAgent(nats, "withdraw-1", 1);
    const pending = async () => {
      const [consumer] = await jsm.consumers.list(STREAMS.work.name).next();
      return consumer?.num_ack_pending ?? -1;
    };
    try {
      // One slot, held by a long prediction; four wait behind it.
      const running = record(newId("hold"), { sleep_ms: 2000 });
      await enqueue(nc, store, [running]);
      // Placed (off the queue) before the others come: only they can be pending below.
      for (let i = 0; i < 300 && !(await store.get(running.id))?.record.agent_id; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      for (let i = 0; i < 300 && (await pending()) > 0; i++) await new Promise((r) => setTimeout(r, 10));
      const waiting = Array.from({ length: 4 }, () => record(newId("wait"), { sleep_ms: 10 }));
      await enqueue(nc, store, waiting);
      for (let i = 0; i < 200 && (await pending()) < 4; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await pending()).toBe(4);

      // What the gateway's cancel does for a prediction no agent holds: store it canceled, tell the schedulers.
      for (const r of waiting.slice(0, 3)) {
        await store.transition(r.id, { type: "cancel", at: now() });
        nc.publish(subjects.withdrawn(), encode({ prediction_id: r.id }));
      }
      let left = await pending();
      for (let i = 0; i < 100 && left > 1; i++) {
        await new Promise((r) => setTimeout(r, 10));
        left = await pending();
      }
      // Long before the held slot frees (2 s), only the one still wanted waits.
      expect(left).toBe(1);
      expect(["starting", "processing"]).toContain((await store.get(running.id))?.record.status);

      const done = await waitTerminal(store, [running.id, ...waiting.map((r) => r.id)]);
      expect(done.map((r) => r.status)).toEqual(["succeeded", "canceled", "canceled", "canceled", "succeeded"]);
      // The canceled ones never reached the model.
      expect(done.slice(1, 4).every((r) => r.started_at === null)).toBe(true);
    } finally {
      await scheduler.stop();
      await agent.close();
      await nc.close();
    }
  }, 20_000);

  it("a deployment runs on its own instances, never more than max_instances, billed by up time", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    await putTestVersion(buckets, 1);
    await putTestDeployment(buckets, "prod", { min_instances: 0, max_instances: 1 });
    const store = new PredictionStore(buckets.predictions, nc);
    const scheduler = await start({ nc, now, log: silentLogger, config: SCHEDULER_CONFIG });
    const agent = await startTestAgent(nats, "dep-1", 4);
    const seen = { deployed: 0, shared: 0 };
    const watch = setInterval(() => {
      const live = agent.instances().filter((i) => i.state !== "failed");
      seen.deployed = Math.max(seen.deployed, live.filter((i) => i.tenancy.deployment === "acme/prod").length);
      seen.shared = Math.max(seen.shared, live.filter((i) => i.tenancy.deployment === null).length);
    }, 5);
    try {
      const deployed = Array.from({ length: 4 }, () =>
        record(newId("dep"), { sleep_ms: 80 }, { deployment: "acme/prod" }),
      );
      const shared = record(newId("pub"), { sleep_ms: 80 });
      await enqueue(nc, store, [...deployed, shared]);
      const done = await waitTerminal(
        store,
        [...deployed, shared].map((r) => r.id),
      );
      expect(done.map((r) => r.status)).toEqual(done.map(() => "succeeded"));
      expect(seen).toEqual({ deployed: 1, shared: 1 });
    } finally {
      clearInterval(watch);
      await scheduler.stop();
      await agent.close();
    }
    // Every instance's up time was reported (the last interval when the agent stopped).
    const jsm = await jetstreamManager(nc);
    const usage = [];
    for (let seq = 1; ; seq++) {
      const m = await jsm.streams.getMessage(STREAMS.usage.name, { seq }).catch(() => null);
      if (!m) break;
      usage.push(decode(UsageEvent, m.data, "usage"));
    }
    await nc.close();
    const uptime = usage.filter((u) => u.kind === "uptime");
    expect(uptime.length).toBeGreaterThan(1);
    expect(new Set(uptime.map((u) => u.instance_id)).size).toBe(1);
    expect(uptime.every((u) => u.deployment === "acme/prod" && u.billing === "uptime")).toBe(true);
    // Intervals are contiguous: no second is lost between them, none counted twice.
    const sorted = uptime.sort((a, b) => a.interval - b.interval);
    sorted.forEach((u, i) => {
      expect(u.interval).toBe(i);
      if (i > 0) expect(u.from).toBe(sorted[i - 1]!.to);
    });
    const predict = usage.filter((u) => u.kind === "predict");
    expect(predict.filter((u) => u.deployment === "acme/prod" && u.billing === "uptime")).toHaveLength(4);
    expect(predict.filter((u) => u.deployment === null && u.billing === "predict")).toHaveLength(1);
  }, 30_000);
});
