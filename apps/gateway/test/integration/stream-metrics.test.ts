import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { silentLogger } from "@gantry/platform/logger";
import { portOf, serveMetrics, serviceRegistry } from "@gantry/platform/metrics";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { ensureTopology, openTopology } from "@gantry/platform/topology";
import { predictionRecord } from "@gantry/testing/fixtures";
import { startNatsServer } from "@gantry/testing/nats-server";
import { serve } from "@hono/node-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createApp } from "../../src/app.ts";
import { readerMetrics, requestMetrics } from "../../src/metrics-node.ts";
import { attachWebSocket } from "../../src/ws-node.ts";

describe("the Node gateway's /metrics", () => {
  it("count SSE and WebSocket readers while they follow a prediction, and none after they leave", async () => {
    await using nats = await startNatsServer();
    const op = await connect(nats.connectOptions());
    const seeded = await ensureTopology(op);
    const id = "readermetrics0000000000000";
    await new PredictionStore(seeded.predictions, op).create(
      predictionRecord({ id, status: "processing", stream_token: "tok" }),
    );

    const nc = await connect(nats.connectOptions("gateway"));
    const metrics = serviceRegistry("gateway");
    const { app, openWebSocket } = createApp({
      nc,
      buckets: await openTopology(nc, { identity: "gateway" }),
      signingSecret: "s".repeat(32),
      now: () => new Date(),
      newId: () => "unused",
      newToken: () => "unused",
      log: silentLogger,
      observe: requestMetrics(metrics),
      onReaders: readerMetrics(metrics),
    });
    const api = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
    });
    attachWebSocket(api as Server, openWebSocket);
    const base = `127.0.0.1:${(api.address() as AddressInfo).port}`;
    const metricsServer = await serveMetrics(metrics, 0, "127.0.0.1");
    const scrape = async () => (await fetch(`http://127.0.0.1:${portOf(metricsServer)}/metrics`)).text();
    const readers = async (kind: string) =>
      Number(
        new RegExp(`^gantry_stream_readers\\{kind="${kind}",service="gateway"\\} (\\S+)$`, "m").exec(
          await scrape(),
        )?.[1],
      );
    try {
      expect(await readers("sse")).toBe(0);
      expect(await readers("ws")).toBe(0);

      // An SSE reader: counted once its stream has begun.
      const gone = new AbortController();
      const sse = await fetch(`http://${base}/v1/streams/${id}/tok`, { signal: gone.signal });
      expect(sse.status).toBe(200);
      const reader = sse.body?.getReader();
      await reader?.read(); // ": hi"
      await expect.poll(() => readers("sse")).toBe(1);

      // A WebSocket subscriber.
      const ws = new WebSocket(`ws://${base}/v1/ws`);
      await once(ws, "open");
      ws.send(JSON.stringify({ type: "subscribe", stream: `http://${base}/v1/streams/${id}/tok` }));
      const [subscribed] = (await once(ws, "message")) as [Buffer];
      expect(JSON.parse(String(subscribed))).toMatchObject({ type: "subscribed", prediction_id: id });
      await expect.poll(() => readers("ws")).toBe(1);
      expect(await readers("sse")).toBe(1);

      // Both leave: neither is counted any more.
      ws.close();
      await reader?.cancel();
      gone.abort();
      await expect.poll(() => readers("ws")).toBe(0);
      await expect.poll(() => readers("sse")).toBe(0);
      const text = await scrape();
      expect(text).toContain('gantry_http_requests_total{method="GET",route="/v1/streams/:id/:token",status="200"');
      expect(text).not.toContain(id);
      expect(nats.violations()).toEqual([]);
    } finally {
      metricsServer.close();
      await new Promise((r) => api.close(r));
      await nc.close();
      await op.close();
    }
  }, 60_000);
});
