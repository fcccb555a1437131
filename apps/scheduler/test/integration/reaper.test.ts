import type { AgentHeartbeat } from "@gantry/contracts/agents";
import type { PredictionRecord } from "@gantry/contracts/prediction";
import { STREAMS } from "@gantry/contracts/subjects";
import { UsageEvent } from "@gantry/contracts/usage";
import { decode, encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { ensureTopology } from "@gantry/platform/topology";
import { predictionRecord, workItemOf } from "@gantry/testing/fixtures";
import { startNatsServer } from "@gantry/testing/nats-server";
import { jetstreamManager } from "@nats-io/jetstream";
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
    for (const r of reapers) r.stop();
    expect(failed?.status).toBe("failed");
    expect(failed?.error).toMatch(
      /^The agent running this prediction \(ghost\) stopped responding: no heartbeat for \d+ s\.$/,
    );
    expect(failed?.output).toEqual(["tok0"]);
    expect(requeued).toMatchObject({ status: "starting", agent_id: null });
    const work = await (await jetstreamManager(nc)).streams.info(STREAMS.work.name);
    expect(work.state.messages).toBe(1);
    // The failed one's predict time is billed once (several reapers raced), as it shows.
    const usage = await (await jetstreamManager(nc)).streams.info(STREAMS.usage.name);
    expect(usage.state.messages).toBe(1);
    const billed = await (await jetstreamManager(nc)).streams.getMessage(STREAMS.usage.name, {
      seq: usage.state.first_seq,
    });
    expect(decode(UsageEvent, billed!.data, "usage")).toMatchObject({
      kind: "predict",
      prediction_id: running.id,
      agent_id: "ghost",
      predict_ms: Math.round((failed?.metrics.predict_time ?? -1) * 1000),
    });
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
    reaper.stop();
    expect(old?.error).toMatch(/^The agent running this prediction \(ghost\) restarted while it ran/);
    // Placed on the process that runs now: by the clocks it came before the start, but it is this process's.
    expect((await store.get(after.id))?.record.status).toBe("processing");
    expect((await buckets.placements.get(placementKey("ghost", after.id)))?.operation).toBe("PUT");
    await nc.close();
  });
});
