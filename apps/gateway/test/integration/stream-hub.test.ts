import type { PredictionEvent } from "@gantry/contracts/events";
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
import type { FeedItem } from "../../src/event-feed.ts";
import { StreamHub } from "../../src/stream-hub.ts";

const record = (id: string, status: PredictionRecord["status"] = "processing"): PredictionRecord =>
  predictionRecord({ id, status, version: "a".repeat(64), created_at: "2026-01-01T00:00:00.000Z", stream_token: "t" });

async function collect(feed: AsyncGenerator<FeedItem>, max = Number.POSITIVE_INFINITY): Promise<FeedItem[]> {
  const out: FeedItem[] = [];
  for await (const item of feed) {
    out.push(item);
    if (out.length >= max) break;
  }
  return out;
}

describe("StreamHub on a real nats-server", () => {
  it("fans one JetStream read out to many readers; late and resuming readers miss nothing, repeat nothing", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    await ensureTopology(nc);
    const js = jetstream(nc);
    const id = "hub0000000000000000000000a";
    const publish = (ev: PredictionEvent) => js.publish(subjects.events(id), encode(ev));
    const hub = new StreamHub(nc, silentLogger);

    const early = Array.from({ length: 20 }, () => collect(hub.follow(record(id), 0)));
    for (let i = 0; i < 5; i++) await publish({ type: "output", index: i, data: `t${i}` });
    await new Promise((r) => setTimeout(r, 100));
    const late = collect(hub.follow(record(id), 0));
    const firstTwo = await collect(hub.follow(record(id), 0), 2);
    const resumed = collect(hub.follow(record(id), firstTwo[1]!.seq));
    expect(hub.size).toBe(1);
    for (let i = 5; i < 10; i++) await publish({ type: "output", index: i, data: `t${i}` });
    await publish({ type: "done", status: "succeeded", error: null });

    const data = (items: FeedItem[]) => items.map((x) => (x.event.type === "output" ? x.event.data : x.event.type));
    const all = [...Array.from({ length: 10 }, (_, i) => `t${i}`), "done"];
    for (const reader of await Promise.all(early)) expect(data(reader)).toEqual(all);
    expect(data(await late)).toEqual(all);
    expect(data(await resumed)).toEqual(all.slice(2));
    expect(hub.size).toBe(0);
    await nc.close();
  });

  it("replays a finished prediction from JetStream and ends it even when its events are gone", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    await ensureTopology(nc);
    const hub = new StreamHub(nc, silentLogger);
    const items = await collect(hub.follow({ ...record("gone000000000000000000000a", "canceled") }, 0));
    expect(items.map((x) => x.event)).toEqual([{ type: "done", status: "canceled", error: null }]);
    await nc.close();
  });
});
