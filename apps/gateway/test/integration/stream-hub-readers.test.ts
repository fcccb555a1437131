import type { PredictionRecord } from "@gantry/contracts/prediction";
import { subjects } from "@gantry/contracts/subjects";
import { encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { ensureTopology } from "@gantry/platform/topology";
import { predictionRecord } from "@gantry/testing/fixtures";
import { startNatsServer } from "@gantry/testing/nats-server";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { StreamHub } from "../../src/stream-hub.ts";

const record = (id: string): PredictionRecord =>
  predictionRecord({
    id,
    status: "processing",
    version: "a".repeat(64),
    created_at: "2026-01-01T00:00:00.000Z",
    stream_token: "t",
  });

describe("StreamHub readers that go away or stall", () => {
  it("a reader that goes away is let go at once, with no event due", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    await ensureTopology(nc);
    const hub = new StreamHub(nc, silentLogger);
    const gone = new AbortController();
    const feed = hub.follow(record("hubgone0000000000000000000"), 0, { signal: gone.signal });
    const next = feed.next();
    await expect.poll(() => hub.size).toBe(1);
    gone.abort();
    // The pending read ends, and the prediction's channel (its JetStream consumer) closes.
    expect((await next).done).toBe(true);
    await expect.poll(() => hub.size).toBe(0);
    await nc.close();
  });

  it("a stalled reader holds at most maxLag + 2 events, then reads that it is behind", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    await ensureTopology(nc);
    const js = jetstream(nc);
    const id = "hubstall000000000000000000";
    const hub = new StreamHub(nc, silentLogger);
    const stalled = hub.follow(record(id), 0, { maxLag: 5 });
    const first = await Promise.all([
      stalled.next(),
      (async () => {
        for (let i = 0; i < 50; i++)
          await js.publish(subjects.events(id), encode({ type: "output", index: i, data: `t${i}` }));
      })(),
    ]).then(([r]) => r);
    expect(first.done).toBe(false);
    // A reader that keeps up sees all 50; the stalled one kept only what its lag allows.
    const live = hub.follow(record(id), 0);
    const seen: number[] = [];
    for await (const item of live) {
      seen.push(item.seq);
      if (seen.length === 50) break;
    }
    expect(seen).toHaveLength(50);
    const second = await stalled.next();
    expect(second.done).toBe(false);
    expect(second.value?.pending).toBeGreaterThan(5);
    expect(second.value?.pending).toBeLessThanOrEqual(6);
    await stalled.return(undefined);
    await nc.close();
  });
});
