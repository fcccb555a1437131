import { silentLogger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { ensureTopology } from "@gantry/platform/topology";
import { predictionRecord } from "@gantry/testing/fixtures";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { MAX_WS_SUBSCRIPTIONS } from "../../src/ws-session.ts";

describe("a WebSocket session's limits", () => {
  it("follows at most MAX_WS_SUBSCRIPTIONS predictions at once, counted from the requests", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const store = new PredictionStore(buckets.predictions, nc);
    const ids = Array.from({ length: MAX_WS_SUBSCRIPTIONS + 3 }, (_, i) => `ws${String(i).padStart(24, "0")}`);
    for (const id of ids) {
      await store.create(
        predictionRecord({
          id,
          version: "a".repeat(64),
          status: "processing",
          created_at: "2026-01-01T00:00:00.000Z",
          started_at: "2026-01-01T00:00:00.000Z",
          stream_token: "r8_capability",
        }),
      );
    }
    const { openWebSocket } = createApp({
      nc,
      buckets,
      signingSecret: "test-signing-secret",
      now: () => new Date(),
      newId: () => "unused",
      newToken: () => "unused",
      log: silentLogger,
    });
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
});
