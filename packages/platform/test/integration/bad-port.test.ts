import { createServer, type Server } from "node:http";
import { freeBadPort } from "@gantry/testing/bad-port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadPortRefused, fetchLimited } from "../../src/egress-fetch.ts";
import { httpRequest } from "../../src/http-client.ts";
import { freePort } from "../../src/ports.ts";

/** A server listening on a port Node's fetch refuses (6665, 6666, …: the Fetch standard's "bad ports"). */
let server: Server;
let port: number;
beforeAll(async () => {
  port = await freeBadPort();
  server = createServer((_req, res) => res.end('{"status":"READY"}'));
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("a server on a port fetch calls bad", () => {
  it("fetchLimited fails naming the refusal, not a bare 'fetch failed'", async () => {
    const err = await fetchLimited(new URL(`http://127.0.0.1:${port}/health-check`), {
      timeoutMs: 2000,
      maxBytes: 1024,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadPortRefused);
    expect((err as Error).message).toBe(
      `could not connect to http://127.0.0.1:${port}/health-check: this runtime's fetch refuses port ${port} (one of the Fetch standard's "bad ports"); serve it on another port`,
    );
  });

  it("httpRequest (node:http, which model servers are reached with) has no such list", async () => {
    const res = await httpRequest(`http://127.0.0.1:${port}/health-check`, {
      method: "GET",
      timeoutMs: 2000,
      maxBytes: 1024,
    });
    expect(res).toEqual({ status: 200, text: '{"status":"READY"}' });
  });

  it("other connection failures still name the system's code", async () => {
    const closed = await freePort();
    const err = await fetchLimited(new URL(`http://127.0.0.1:${closed}/`), { timeoutMs: 2000, maxBytes: 1024 }).catch(
      (e: unknown) => e,
    );
    expect(err).not.toBeInstanceOf(BadPortRefused);
    expect((err as Error).message).toBe(`could not connect to http://127.0.0.1:${closed}/ (ECONNREFUSED)`);
  });
});
