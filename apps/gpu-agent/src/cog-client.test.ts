import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COG_ANSWER_LIMITS, CogClient } from "./cog-client.ts";

/** A model server on loopback whose answers weigh `size` bytes (JSON), or are tiny. */
let size = 0;
let server: Server;
let client: CogClient;
/** A JSON answer of exactly `n` bytes (at least 27). */
const answer = (n: number) => `{"status":"READY","pad":"${"x".repeat(Math.max(0, n - 27))}"}`;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const body = answer(size);
    if (req.url === "/openapi.json") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    } else if (req.url === "/health-check") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    } else {
      res.writeHead(202, { "content-type": "application/json" });
      res.end(body);
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  client = new CogClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("CogClient reads a model server's answers with a size cap", () => {
  it("reads answers within the caps", async () => {
    size = 1000;
    expect((await client.health())?.status).toBe("READY");
    expect((await client.openapi()).status).toBe("READY");
    expect((await client.start("p1", {}, "http://127.0.0.1:1/hook")).status).toBe(202);
  });

  it("a health check past its cap reads as no answer", async () => {
    size = COG_ANSWER_LIMITS.health + 1;
    expect(await client.health()).toBeNull();
  });

  it("an openapi document past its cap fails, saying so", async () => {
    size = COG_ANSWER_LIMITS.openapi + 1;
    await expect(client.openapi()).rejects.toThrow(/larger than 4194304 bytes/);
  });

  it("a start answer past its cap fails, saying so (a 1 MiB cap here; 64 MiB by default)", async () => {
    const small = new CogClient(client.baseUrl, "predictions", { ...COG_ANSWER_LIMITS, start: 1024 * 1024 });
    size = 1024 * 1024;
    expect((await small.start("p2", {}, "http://127.0.0.1:1/hook")).status).toBe(202);
    size = 1024 * 1024 + 1;
    await expect(small.start("p3", {}, "http://127.0.0.1:1/hook")).rejects.toThrow(/larger than 1048576 bytes/);
  });

  it("answers exactly at the caps are read", async () => {
    size = COG_ANSWER_LIMITS.health;
    expect((await client.health())?.status).toBe("READY");
    size = COG_ANSWER_LIMITS.openapi;
    expect((await client.openapi()).status).toBe("READY");
  });
});
