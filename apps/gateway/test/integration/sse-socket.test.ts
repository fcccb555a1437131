import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createConnection } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { serve } from "@hono/node-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { storeLivePrediction, testGatewayApp } from "./live-stream.ts";

const ID = "sock0000000000000000000001";

/** A Node gateway with one live prediction; `lookupDelayMs` slows the stream's record lookup. */
async function nodeGateway(lookupDelayMs = 0) {
  const nats = await startNatsServer();
  const nc = await connect(nats.connectOptions());
  const buckets = await ensureTopology(nc);
  await storeLivePrediction(nc, buckets, ID);
  if (lookupDelayMs > 0) {
    const get = buckets.predictions.get.bind(buckets.predictions);
    buckets.predictions.get = async (key: string) => {
      await sleep(lookupDelayMs);
      return get(key);
    };
  }
  const readers = { count: 0 };
  const { app } = testGatewayApp(nc, buckets, {
    onReaders: (_kind, delta) => {
      readers.count += delta;
    },
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    readers,
    async [Symbol.asyncDispose]() {
      await new Promise((r) => server.close(r));
      await nc.close();
      await nats[Symbol.asyncDispose]();
    },
  };
}

describe("SSE written to Node sockets", () => {
  it("answers HEAD with the stream's head and keeps the connection for the next request", async () => {
    await using gw = await nodeGateway();
    const socket = createConnection({ port: gw.port, host: "127.0.0.1" });
    await once(socket, "connect");
    socket.setEncoding("utf8");
    let text = "";
    socket.on("data", (d: string) => {
      text += d;
    });
    socket.write(`HEAD /v1/streams/${ID}/r8_capability HTTP/1.1\r\nHost: x\r\n\r\n`);
    await expect.poll(() => text).toMatch(/^HTTP\/1\.1 200[\s\S]*content-type: text\/event-stream/);
    socket.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    await expect.poll(() => text).toContain('{"ok":true');
    // The HEAD followed nothing.
    expect(readers(gw)).toBe(0);
    socket.destroy();
  });

  it("follows nothing for a reader gone while its stream was looked up", async () => {
    await using gw = await nodeGateway(300);
    const socket = createConnection({ port: gw.port, host: "127.0.0.1" });
    await once(socket, "connect");
    socket.write(`GET /v1/streams/${ID}/r8_capability HTTP/1.1\r\nHost: x\r\n\r\n`);
    await sleep(50);
    socket.destroy();
    await sleep(600);
    expect(readers(gw)).toBe(0);
  });

  it("counts a reader while its socket is open, and not after it closes", async () => {
    await using gw = await nodeGateway();
    const socket = createConnection({ port: gw.port, host: "127.0.0.1" });
    await once(socket, "connect");
    socket.write(`GET /v1/streams/${ID}/r8_capability HTTP/1.1\r\nHost: x\r\n\r\n`);
    const [head] = (await once(socket, "data")) as [Buffer];
    expect(String(head)).toContain("content-security-policy: default-src 'none'");
    expect(readers(gw)).toBe(1);
    socket.destroy();
    await expect.poll(() => readers(gw)).toBe(0);
  });
});

const readers = (gw: { readers: { count: number } }) => gw.readers.count;
