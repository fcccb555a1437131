import type { PredictionEvent } from "@gantry/contracts/events";
import { subjects } from "@gantry/contracts/subjects";
import { encode } from "@gantry/platform/codec";
import { ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { MAX_WS_BUFFERED_BYTES, MAX_WS_SUBSCRIPTIONS, WS_TOO_SLOW } from "../../src/ws-session.ts";
import { storeLivePrediction, testGatewayApp } from "./live-stream.ts";

describe("a WebSocket session's limits", () => {
  it("follows at most MAX_WS_SUBSCRIPTIONS predictions at once, counted from the requests", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const ids = Array.from({ length: MAX_WS_SUBSCRIPTIONS + 3 }, (_, i) => `ws${String(i).padStart(24, "0")}`);
    for (const id of ids) await storeLivePrediction(nc, buckets, id);
    const { openWebSocket } = testGatewayApp(nc, buckets);
    const sent: { type: string; prediction_id?: string; detail?: string }[] = [];
    const session = openWebSocket({
      send: (text) => sent.push(JSON.parse(text)),
      bufferedAmount: () => 0,
      close: () => {},
    });
    // Every request arrives before any lookup answers, as a burst would.
    for (const id of ids) {
      session.onMessage(JSON.stringify({ type: "subscribe", stream: `http://gw/v1/streams/${id}/r8_capability` }));
    }
    await expect.poll(() => sent.length, { timeout: 10_000 }).toBe(ids.length);
    expect(sent.filter((m) => m.type === "subscribed")).toHaveLength(MAX_WS_SUBSCRIPTIONS);
    const refused = sent.filter((m) => m.type === "error");
    expect(refused).toHaveLength(3);
    expect(refused[0]?.detail).toBe(`a connection follows at most ${MAX_WS_SUBSCRIPTIONS} predictions at once`);
    // Ending one subscription makes room for another.
    session.onMessage(JSON.stringify({ type: "unsubscribe", prediction_id: ids[0] }));
    // The freed place counts once the old feed has ended: ask again until it is taken.
    const subscribed = () => sent.filter((m) => m.type === "subscribed").length;
    const stream = `http://gw/v1/streams/${ids.at(-1)}/r8_capability`;
    for (const deadline = Date.now() + 10_000; subscribed() <= MAX_WS_SUBSCRIPTIONS && Date.now() < deadline; ) {
      session.onMessage(JSON.stringify({ type: "subscribe", stream }));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(subscribed()).toBe(MAX_WS_SUBSCRIPTIONS + 1);
    await session.onClose();
    await nc.close();
  });

  it("closes a connection whose sends back up past the limit, naming where to resubscribe, and stops following", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const id = "wsslow00000000000000000000";
    await storeLivePrediction(nc, buckets, id);
    let readers = 0;
    const { openWebSocket } = testGatewayApp(nc, buckets, {
      onReaders: (_kind, delta) => {
        readers += delta;
      },
    });
    const sent: { type: string; id?: string; data?: string }[] = [];
    let buffered = 0;
    const closes: { code: number; reason: string }[] = [];
    const session = openWebSocket({
      // The peer reads nothing: every message stays queued.
      send: (text) => {
        sent.push(JSON.parse(text));
        buffered += text.length;
      },
      bufferedAmount: () => buffered,
      close: (code, reason) => closes.push({ code, reason }),
    });
    session.onMessage(JSON.stringify({ type: "subscribe", stream: `http://gw/v1/streams/${id}/r8_capability` }));
    await expect.poll(() => readers).toBe(1);
    const js = jetstream(nc);
    const big = "x".repeat(256 * 1024);
    for (let i = 0; i < 24; i++) {
      const ev: PredictionEvent = { type: "output", index: i, data: `t${i}:${big}` };
      await js.publish(subjects.events(id), encode(ev));
    }
    await expect.poll(() => closes.length).toBe(1);
    const events = sent.filter((m) => m.type === "event");
    const last = events.at(-1);
    // Closed once more than MAX_WS_BUFFERED_BYTES waited, naming the last event it was sent.
    expect(closes[0]).toEqual({
      code: WS_TOO_SLOW,
      reason: `reader too slow; resubscribe with last_event_id ${last?.id}`,
    });
    expect(buffered).toBeGreaterThan(MAX_WS_BUFFERED_BYTES);
    expect(buffered - JSON.stringify(last).length).toBeLessThanOrEqual(MAX_WS_BUFFERED_BYTES);
    expect(events.length).toBeLessThan(24);
    await expect.poll(() => readers).toBe(0);
    await session.onClose();
    await nc.close();
  });
});
