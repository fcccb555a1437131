import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { answerClientErrors } from "./client-errors.ts";

/** A request Node's parser refuses, sent with a client that parses the answer strictly. */
function send(port: number, method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, method, path, host: "127.0.0.1" }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("answers to requests the HTTP parser refuses", () => {
  it("are problem JSON, and bodiless for HEAD (a fuzz run read the body as garbage after the answer)", async () => {
    const server = createServer((_req, res) => res.end("ok"));
    answerClientErrors(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      const long = `/v1/models/${"a".repeat(20_000)}`;
      const get = await send(port, "GET", long);
      expect(get.status).toBe(431);
      expect(JSON.parse(get.body)).toMatchObject({ status: 431, title: "Request Header Fields Too Large" });
      const head = await send(port, "HEAD", long);
      expect(head).toEqual({ status: 431, body: "" });
    } finally {
      server.close();
    }
  });
});
