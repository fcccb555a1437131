import type { AgentHeartbeat } from "@gantry/contracts/agents";
import { WorkItem } from "@gantry/contracts/jobs";
import type { PredictionRecord } from "@gantry/contracts/prediction";
import { STREAMS, subjects } from "@gantry/contracts/subjects";
import { UsageEvent, usageMsgId } from "@gantry/contracts/usage";
import { decode, encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { ensureTopology } from "@gantry/platform/topology";
import { predictionRecord, workItemOf } from "@gantry/testing/fixtures";
import { startNatsServer } from "@gantry/testing/nats-server";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { placementKey, startReaper } from "../../src/reaper.ts";

const record = (id: string, status: PredictionRecord["status"]): PredictionRecord =>
  predictionRecord({
    id,
    status,
    input: { tokens: 1 },
    output: status === "processing" ? ["tok0"] : null,
    started_at: status === "processing" ? new Date().toISOString() : null,
    agent_id: "ghost",
  });

const item = workItemOf;

/** The heartbeat of agent `ghost`, one idle cpu slot. */
const ghost = (over: Pick<AgentHeartbeat, "at"> & Partial<AgentHeartbeat>): AgentHeartbeat => ({
  agent_id: "ghost",
  sku: "cpu",
  emulated: false,
  gpus: [],
  slots: 1,
  instances: [],
  ...over,
});

describe("the reaper, when an agent stops sending heartbeats", () => {
  it("fails what had started, requeues what had not, exactly once across two schedulers", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const store = new PredictionStore(buckets.predictions, nc);
    const running = record("running00000000000000000aa", "processing");
    const waiting = record("waiting00000000000000000aa", "starting");
    for (const r of [running, waiting]) {
      await store.create(r);
      await buckets.placements.put(placementKey("ghost", r.id), encode(item(r)));
    }
    const stale = ghost({ at: new Date(Date.now() - 60_000).toISOString() });
    const agents = new Map([["ghost", stale]]);
    const opts = {
      nc,
      buckets,
      store,
      agents,
      now: () => new Date(),
      log: silentLogger,
      staleMs: 5000,
      intervalMs: 50,
    };
    const reapers = [startReaper(opts), startReaper(opts)];
    let failed: PredictionRecord | undefined;
    let requeued: PredictionRecord | undefined;
    for (let i = 0; i < 100; i++) {
      failed = (await store.get(running.id))?.record;
      requeued = (await store.get(waiting.id))?.record;
      if (failed?.status === "failed" && requeued?.agent_id === null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all(reapers.map((r) => r.stop()));
    expect(failed?.status).toBe("failed");
    expect(failed?.error).toMatch(
      /^The agent running this prediction \(ghost\) stopped responding: no heartbeat for \d+ s\.$/,
    );
    expect(failed?.output).toEqual(["tok0"]);
    expect(requeued).toMatchObject({ status: "starting", agent_id: null });
    const work = await (await jetstreamManager(nc)).streams.info(STREAMS.work.name);
    expect(work.state.messages).toBe(1);
    // A platform failure bills nothing: one usage of 0 ms (several reapers raced), as it shows.
    const usage = await (await jetstreamManager(nc)).streams.info(STREAMS.usage.name);
    expect(usage.state.messages).toBe(1);
    const billed = await (await jetstreamManager(nc)).streams.getMessage(STREAMS.usage.name, {
      seq: usage.state.first_seq,
    });
    expect(decode(UsageEvent, billed!.data, "usage")).toMatchObject({
      kind: "predict",
      prediction_id: running.id,
      agent_id: "ghost",
      predict_ms: 0,
    });
    expect(failed?.metrics.predict_time).toBe(0);
    let left = 0;
    for await (const _ of await buckets.placements.keys()) left++;
    expect(left).toBe(0);
    await nc.close();
  });

  it("after an agent restart, reaps what the old process took and keeps the new one's, whatever the clocks say", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const store = new PredictionStore(buckets.predictions, nc);
    // The agent's clock runs an hour ahead of the server's: its start time is later than any placement's.
    const oldStart = new Date(Date.now() + 3_600_000).toISOString();
    const newStart = new Date(Date.now() + 3_600_500).toISOString();
    const before = record("beforerestart000000000000a", "processing");
    const after = record("afterrestart0000000000000a", "processing");
    for (const [r, incarnation] of [
      [before, oldStart],
      [after, newStart],
    ] as const) {
      await store.create(r);
      await buckets.placements.put(placementKey("ghost", r.id), encode({ ...item(r), incarnation }));
    }
    const restarted = ghost({ at: new Date().toISOString(), started_at: newStart });
    const reaper = startReaper({
      nc,
      buckets,
      store,
      agents: new Map([["ghost", restarted]]),
      now: () => new Date(),
      log: silentLogger,
      staleMs: 5000,
      intervalMs: 50,
    });
    let old: PredictionRecord | undefined;
    for (let i = 0; i < 100 && old?.status !== "failed"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      old = (await store.get(before.id))?.record;
    }
    await new Promise((r) => setTimeout(r, 200));
    await reaper.stop();
    expect(old?.error).toMatch(/^The agent running this prediction \(ghost\) restarted while it ran/);
    // Placed on the process that runs now: by the clocks it came before the start, but it is this process's.
    expect((await store.get(after.id))?.record.status).toBe("processing");
    expect((await buckets.placements.get(placementKey("ghost", after.id)))?.operation).toBe("PUT");
    await nc.close();
  });
});

describe("the reaper bills exactly the model's time", () => {
  const setup = async () => {
    const nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const store = new PredictionStore(buckets.predictions, nc);
    const usage = async () => {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(STREAMS.usage.name);
      const out: UsageEvent[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const m = await jsm.streams.getMessage(STREAMS.usage.name, { seq });
        if (m) out.push(decode(UsageEvent, m.data, "usage"));
      }
      return out;
    };
    const agents = new Map([["ghost", ghost({ at: new Date(Date.now() - 60_000).toISOString() })]]);
    const reaper = startReaper({
      nc,
      buckets,
      store,
      agents,
      now: () => new Date(),
      log: silentLogger,
      staleMs: 5000,
      intervalMs: 50,
    });
    const placed = async (r: PredictionRecord) => {
      await store.create(r);
      await buckets.placements.put(placementKey("ghost", r.id), encode(item(r)));
    };
    /** A placement the reaper has not seen yet (its `handled` mark is per heartbeat: a fresh stale one). */
    const placeAgain = async (placement: WorkItem) => {
      await buckets.placements.put(placementKey("ghost", placement.prediction_id), encode(placement));
      agents.set("ghost", ghost({ at: new Date(Date.now() - 61_000).toISOString() }));
    };
    const placementsLeft = async () => {
      let n = 0;
      for await (const _ of await buckets.placements.keys()) n++;
      return n;
    };
    return {
      nc,
      store,
      usage,
      placed,
      placeAgain,
      placementsLeft,
      async [Symbol.asyncDispose]() {
        await reaper.stop();
        await nc.close();
        await nats[Symbol.asyncDispose]();
      },
    };
  };

  it("a prediction its agent took down after output is failed and never billed (the failure contract)", async () => {
    await using t = await setup();
    // It started a minute ago; its agent last stored progress 0.8 s later, then died.
    const startedAt = Date.now() - 60_000;
    const running = predictionRecord({
      ...record("lastprogress00000000000aaa", "processing"),
      started_at: new Date(startedAt).toISOString(),
      progress_at: new Date(startedAt + 800).toISOString(),
    });
    await t.placed(running);
    // The reaper lets the placement go first, then stores the end, then publishes the usage: wait for the last.
    await expect.poll(async () => (await t.usage()).length, { timeout: 15_000 }).toBe(1);
    const failed = (await t.store.get(running.id))?.record;
    expect(failed?.status).toBe("failed");
    expect(failed?.metrics.predict_time).toBe(0);
    const billed = await t.usage();
    expect(billed).toMatchObject([{ kind: "predict", prediction_id: running.id, predict_ms: 0 }]);
    expect(await t.placementsLeft()).toBe(0);
  });

  it("one its agent took down before any output runs again once, unbilled; a second failure ends it", async () => {
    await using t = await setup();
    const silent = predictionRecord({ ...record("nooutput0000000000000000aa", "processing"), output: [] });
    await t.placed(silent);
    await expect.poll(async () => (await t.store.get(silent.id))?.record.status, { timeout: 15_000 }).toBe("starting");
    const again = (await t.store.get(silent.id))?.record;
    expect(again).toMatchObject({ agent_id: null, started_at: null, output: null });
    expect(again?.logs).toMatch(/The agent running this prediction \(ghost\) stopped responding.*; it runs again\.\n$/);
    // Back in the queue as its first retry; nothing billed.
    const jsm = await jetstreamManager(t.nc);
    const work = await jsm.streams.info(STREAMS.work.name);
    const queued = await jsm.streams.getMessage(STREAMS.work.name, { seq: work.state.last_seq });
    expect(decode(WorkItem, queued!.data, "work")).toMatchObject({ prediction_id: silent.id, attempt: 1 });
    expect(await t.usage()).toEqual([]);

    // It started again on the same (dead) agent and died again before output: now it fails.
    await t.store.transition(silent.id, { type: "start", at: new Date(), agentId: "ghost" });
    await t.placeAgain({ ...item(silent), attempt: 1 });
    await expect.poll(async () => (await t.store.get(silent.id))?.record.status, { timeout: 15_000 }).toBe("failed");
    await expect.poll(async () => (await t.usage()).length, { timeout: 15_000 }).toBe(1);
    expect(await t.usage()).toMatchObject([{ prediction_id: silent.id, predict_ms: 0 }]);
  });

  it("re-sends the usage of a prediction that ended as its agent died, once, at the time it shows", async () => {
    await using t = await setup();
    const ended = (id: string, predictTime: number): PredictionRecord =>
      predictionRecord({
        ...record(id, "succeeded"),
        output: ["tok0"],
        started_at: new Date(Date.now() - 10_000).toISOString(),
        completed_at: new Date(Date.now() - 9_000).toISOString(),
        metrics: { predict_time: predictTime, total_time: predictTime + 0.1 },
      });
    // One whose agent reported its usage before dying, one whose agent died between the two writes.
    const reported = ended("reportedusage000000000000a", 1.25);
    const unreported = ended("unreportedusage00000000000", 0.8);
    for (const r of [reported, unreported]) await t.placed(r);
    const first: UsageEvent = {
      kind: "predict",
      prediction_id: reported.id,
      account_id: reported.account_id,
      model: reported.model,
      version_id: reported.version,
      agent_id: "ghost",
      hardware: "cpu",
      predict_ms: 1250,
      at: reported.completed_at ?? "",
      billing: "predict",
      deployment: null,
    };
    await jetstream(t.nc).publish(subjects.usage("predict", "ghost"), encode(first), { msgID: usageMsgId(first) });
    // The placements go before the usage is re-sent: wait for the usage, then check both.
    await expect.poll(async () => (await t.usage()).length, { timeout: 15_000 }).toBe(2);
    await expect.poll(() => t.placementsLeft(), { timeout: 15_000 }).toBe(0);
    const billed = await t.usage();
    // Each once: billed = Σ predict_time of what ended.
    expect(billed.map((u) => (u.kind === "predict" ? [u.prediction_id, u.predict_ms] : null)).sort()).toEqual(
      [
        [reported.id, 1250],
        [unreported.id, 800],
      ].sort(),
    );
    expect((await t.store.get(unreported.id))?.record.status).toBe("succeeded");
  });
});

describe("the reaper, when a live agent no longer has a prediction placed on it", () => {
  it("ends what its heartbeats stopped listing, keeps what they list, and clears ended placements", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const store = new PredictionStore(buckets.predictions, nc);
    const startedAt = new Date(Date.now() - 10_000).toISOString();
    const lost = predictionRecord({
      ...record("lostrun0000000000000000aaa", "processing"),
      started_at: new Date(Date.now() - 5_000).toISOString(),
      progress_at: new Date(Date.now() - 4_500).toISOString(),
    });
    const held = record("heldrun0000000000000000aaa", "processing");
    const done = predictionRecord({
      ...record("donerun0000000000000000aaa", "succeeded"),
      started_at: new Date(Date.now() - 3_000).toISOString(),
      completed_at: new Date(Date.now() - 2_000).toISOString(),
      metrics: { predict_time: 1, total_time: 1.1 },
    });
    for (const r of [lost, held, done]) {
      await store.create(r);
      await buckets.placements.put(placementKey("ghost", r.id), encode({ ...item(r), incarnation: startedAt }));
    }
    // The agent is alive (fresh heartbeats) and lists only `held`.
    const agents = new Map([
      ["ghost", ghost({ at: new Date().toISOString(), started_at: startedAt, running: [held.id] })],
    ]);
    const beat = setInterval(() => {
      agents.set("ghost", ghost({ at: new Date().toISOString(), started_at: startedAt, running: [held.id] }));
    }, 50);
    const reaper = startReaper({
      nc,
      buckets,
      store,
      agents,
      now: () => new Date(),
      log: silentLogger,
      staleMs: 300,
      intervalMs: 50,
    });
    const placed = async (id: string) => (await buckets.placements.get(placementKey("ghost", id)))?.operation === "PUT";
    try {
      // The reaper lets a placement go before it stores the end: wait for the end itself.
      const settled = async () =>
        !(await placed(lost.id)) && !(await placed(done.id)) && (await store.get(lost.id))?.record.status === "failed";
      for (let i = 0; i < 300 && !(await settled()); i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      clearInterval(beat);
      await reaper.stop();
    }
    const failed = (await store.get(lost.id))?.record;
    expect(failed?.status).toBe("failed");
    expect(failed?.error).toBe("The agent running this prediction (ghost) no longer has it (its run was lost).");
    // A platform failure: not billed.
    expect(failed?.metrics.predict_time).toBe(0);
    expect((await store.get(held.id))?.record.status).toBe("processing");
    expect(await placed(held.id)).toBe(true);
    expect((await store.get(done.id))?.record.status).toBe("succeeded");
    expect(await placed(done.id)).toBe(false);
    // The live agent reported the ended one's usage itself: only the lost run's 0 ms is sent.
    const jsm = await jetstreamManager(nc);
    const usage = await jsm.streams.info(STREAMS.usage.name);
    expect(usage.state.messages).toBe(1);
    const sent = await jsm.streams.getMessage(STREAMS.usage.name, { seq: usage.state.first_seq });
    expect(decode(UsageEvent, sent?.data ?? new Uint8Array(), "usage")).toMatchObject({
      prediction_id: lost.id,
      predict_ms: 0,
    });
    await nc.close();
  });
});

describe("the reaper's reads", () => {
  it("reads only the placements its agent stopped listing, not every live one at each sweep", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const store = new PredictionStore(buckets.predictions, nc);
    const startedAt = new Date(Date.now() - 10_000).toISOString();
    const live = Array.from({ length: 40 }, (_, i) => record(`liverun${String(i).padStart(18, "0")}a`, "processing"));
    const done = predictionRecord({
      ...record("donerun0000000000000000aaa", "succeeded"),
      started_at: new Date(Date.now() - 3_000).toISOString(),
      completed_at: new Date(Date.now() - 2_000).toISOString(),
      metrics: { predict_time: 1, total_time: 1.1 },
    });
    for (const r of [...live, done]) {
      await store.create(r);
      await buckets.placements.put(placementKey("ghost", r.id), encode({ ...item(r), incarnation: startedAt }));
    }
    // Every read of a placement is a direct get on its stream, a subject anyone may watch.
    const reads: string[] = [];
    const spy = nc.subscribe(`$JS.API.DIRECT.GET.KV_placements.>`, {
      callback: (_err, m) => {
        reads.push(m.subject);
      },
    });
    const running = live.map((r) => r.id);
    const agents = new Map([["ghost", ghost({ at: new Date().toISOString(), started_at: startedAt, running })]]);
    const beat = setInterval(() => {
      agents.set("ghost", ghost({ at: new Date().toISOString(), started_at: startedAt, running }));
    }, 50);
    const reaper = startReaper({
      nc,
      buckets,
      store,
      agents,
      now: () => new Date(),
      log: silentLogger,
      staleMs: 300,
      intervalMs: 50,
    });
    const placed = async (id: string) => (await buckets.placements.get(placementKey("ghost", id)))?.operation === "PUT";
    try {
      for (let i = 0; i < 300 && (await placed(done.id)); i++) await new Promise((r) => setTimeout(r, 50));
      expect(await placed(done.id)).toBe(false);
      // Ten more sweeps with nothing due read nothing.
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      clearInterval(beat);
      await reaper.stop();
    }
    await nc.flush();
    spy.unsubscribe();
    // The first sweep reads every placement once, to find what an earlier process took (a restart);
    // after it, no live run's key is read again, however many sweeps pass.
    const liveReads = reads.filter((s) => s.includes("liverun"));
    expect(liveReads.length).toBeLessThanOrEqual(live.length);
    expect(new Set(liveReads).size).toBe(liveReads.length);
    expect(reads.some((s) => s.includes(done.id))).toBe(true);
    for (const r of live) expect(await placed(r.id)).toBe(true);
    await nc.close();
  });
});
