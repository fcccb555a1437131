import { once } from "node:events";
import { createServer } from "node:http";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { answerClientErrors } from "../../src/client-errors.ts";

async function raw(port: number, text: string): Promise<string> {
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  let got = "";
  socket.on("data", (d: Buffer) => {
    got += d.toString();
  });
  socket.on("error", () => {});
  socket.write(text);
  await Promise.race([once(socket, "close"), new Promise((r) => setTimeout(r, 3000))]);
  socket.destroy();
  return got;
}

describe("requests Node's parser refuses", () => {
  it("get problem JSON: 431 for oversized headers or URL, 400 for malformed requests", async () => {
    const server = createServer((_req, res) => res.end("ok"));
    answerClientErrors(server);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as { port: number }).port;
    try {
      const long = await raw(port, `GET /v1/models/${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(long).toMatch(/^HTTP\/1\.1 431 /);
      expect(long).toMatch(/content-type: application\/problem\+json/);
      expect(JSON.parse(long.slice(long.indexOf("\r\n\r\n") + 4))).toMatchObject({ status: 431 });
      const bad = await raw(port, "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n");
      expect(bad).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(bad.slice(bad.indexOf("\r\n\r\n") + 4))).toMatchObject({ status: 400, title: "Bad Request" });
      // The server goes on serving.
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("ok");
    } finally {
      server.close();
    }
  });
});
