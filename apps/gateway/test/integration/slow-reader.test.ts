import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createConnection } from "node:net";
import type { PredictionEvent } from "@gantry/contracts/events";
import { subjects } from "@gantry/contracts/subjects";
import { encode } from "@gantry/platform/codec";
import { ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { serve } from "@hono/node-server";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { storeLivePrediction, testGatewayApp } from "./live-stream.ts";

describe("a stream reader that falls too far behind", () => {
  it("is dropped with a clear reason and resumes from where it was", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const id = "slow0000000000000000000000";
    await storeLivePrediction(nc, buckets, id);
    const { app } = testGatewayApp(nc, buckets, {
      streamMaxLag: 5,
    });
    const js = jetstream(nc);
    const url = `/v1/streams/${id}/r8_capability`;
    const res = await app.request(url);
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    expect((await reader.read()).value).toBe(": hi\n\n");
    // The model produces 30 tokens while this reader reads nothing.
    for (let i = 0; i < 30; i++) {
      const ev: PredictionEvent = { type: "output", index: i, data: `t${i}` };
      await js.publish(subjects.events(id), encode(ev));
    }
    await new Promise((r) => setTimeout(r, 200));
    let text = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    // Whatever it had taken before falling behind, then the reason, then the end of the stream.
    expect(text).toMatch(
      /event: error\ndata: \{"detail":"reader too slow: \d+ events behind; reconnect with Last-Event-ID: \d+"\}\nid: \d+\n\n$/,
    );
    const delivered = [...text.matchAll(/data: (t\d+)\n/g)].map((m) => m[1]);
    expect(delivered.length).toBeLessThan(30);
    const resumeFrom = /event: error\n.*\nid: (\d+)/.exec(text)?.[1];
    const again = await app.request(url, { headers: { "last-event-id": resumeFrom ?? "" } });
    const more = again.body!.pipeThrough(new TextDecoderStream()).getReader();
    await more.read();
    const chunk = (await more.read()).value ?? "";
    expect(chunk).toContain(`data: t${delivered.length}\n`);
    await more.cancel();
    await nc.close();
  });

  it("on Node, written to its socket: a reader that stopped reading until its socket filled is dropped with the reason when it reads again, naming the last event it was sent", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const id = "slow0000000000000000000001";
    await storeLivePrediction(nc, buckets, id);
    let readers = 0;
    const { app } = testGatewayApp(nc, buckets, {
      streamMaxLag: 5,
      onReaders: (_kind, delta) => {
        readers += delta;
      },
    });
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
    });
    const port = (server.address() as AddressInfo).port;
    const js = jetstream(nc);
    try {
      // A reader that reads its headers, then nothing while the model sends ~8 MB.
      const socket = createConnection({ port, host: "127.0.0.1" });
      await once(socket, "connect");
      socket.write(`GET /v1/streams/${id}/r8_capability HTTP/1.1\r\nHost: x\r\n\r\n`);
      const [head] = (await once(socket, "data")) as [Buffer];
      expect(String(head)).toMatch(/^HTTP\/1\.1 200/);
      expect(String(head)).toContain("x-content-type-options: nosniff");
      expect(readers).toBe(1);
      socket.pause();
      const big = "x".repeat(32 * 1024);
      for (let i = 0; i < 250; i++) {
        const ev: PredictionEvent = { type: "output", index: i, data: `t${i}:${big}` };
        await js.publish(subjects.events(id), encode(ev));
      }
      await new Promise((r) => setTimeout(r, 300));
      // Its socket is full: it is found behind when it can take more, and then dropped with the reason.
      socket.setEncoding("utf8");
      let text = "";
      const tooSlow =
        /event: error\ndata: \{"detail":"reader too slow: \d+ events behind; reconnect with Last-Event-ID: \d+"\}\nid: (\d+)\n\n/;
      const ended = new Promise<void>((resolve) => {
        socket.on("data", (d: string) => {
          text += d;
          // The end of a chunked answer: the stream is over.
          if (tooSlow.test(text) && text.endsWith("0\r\n\r\n")) resolve();
        });
      });
      socket.resume();
      await ended;
      expect(readers).toBe(0);
      const delivered = [...text.matchAll(/data: t(\d+):/g)].map((m) => Number(m[1]));
      expect(delivered.length).toBeGreaterThan(0);
      expect(delivered.length).toBeLessThan(250);
      // In order, none missing before the drop; the reconnect point is the last event it was sent.
      expect(delivered).toEqual(delivered.map((_, i) => i));
      const ids = [...text.matchAll(/data: t\d+:x+\nid: (\d+)\n/g)].map((m) => Number(m[1]));
      expect(ids).toHaveLength(delivered.length);
      expect(Number(tooSlow.exec(text)?.[1])).toBe(ids.at(-1));
      socket.destroy();
    } finally {
      await new Promise((r) => server.close(r));
      await nc.close();
    }
  }, 30_000);
});
