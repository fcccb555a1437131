import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { connect as tcpConnect } from "node:net";
import { answeredAsExpected, closeCodeOf, encodeFrame, HOSTILE_FRAMES, rawSession } from "@gantry/testing/ws-frames";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { attachWebSocket } from "../../src/ws-node.ts";

describe("the Node gateway's WebSocket endpoint under hostile frames", () => {
  let server: Server;
  let port: number;
  const opened: string[] = [];
  let closed = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => res.end("ok"));
    attachWebSocket(server, (conn) => ({
      onMessage: (t) => {
        opened.push(t);
        conn.send(`echo:${t}`);
      },
      onClose: () => {
        closed++;
      },
    }));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const echo = async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/ws`);
    await once(ws, "open");
    ws.send("ping");
    const [reply] = (await once(ws, "message")) as [Buffer];
    ws.close();
    return String(reply);
  };

  for (const h of HOSTILE_FRAMES) {
    it(`closes the connection on ${h.name} and keeps serving`, async () => {
      const before = closed;
      const reply = await rawSession(port, Buffer.concat(h.frames.map(encodeFrame)), h.code === null);
      expect(answeredAsExpected(h, reply), `close code ${closeCodeOf(reply.data)}`).toBe(true);
      // The session saw no message from the hostile frames, and was ended.
      await expect.poll(() => closed).toBeGreaterThan(before);
      expect(await echo()).toBe("echo:ping");
    });
  }

  it("never delivers a hostile frame to the session", () => {
    expect(opened.every((t) => t === "ping")).toBe(true);
  });

  it("answers 404 to upgrades of other paths and keeps serving", async () => {
    const socket = tcpConnect(port, "127.0.0.1");
    await once(socket, "connect");
    socket.write("GET /v1/other HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    const [data] = (await once(socket, "data")) as [Buffer];
    expect(String(data)).toMatch(/^HTTP\/1\.1 404/);
    socket.destroy();
    expect(await echo()).toBe("echo:ping");
  });

  it("survives a peer that resets mid-handshake", async () => {
    for (let i = 0; i < 20; i++) {
      const socket = tcpConnect(port, "127.0.0.1");
      await once(socket, "connect");
      socket.write(
        "GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n",
      );
      socket.resetAndDestroy();
    }
    expect(await echo()).toBe("echo:ping");
  });
});
