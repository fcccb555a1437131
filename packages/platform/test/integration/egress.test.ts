import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EgressRefused } from "../../src/egress.ts";
import { fetchJson, fetchLimited } from "../../src/egress-fetch.ts";
import { egressRequest, type Resolver } from "../../src/egress-node.ts";

/** What a listener says in its bodies: no error text may ever contain it. */
const BANNER = "INTERNAL-BANNER-4f2a";

interface Listener {
  port: number;
  hits: string[];
  server: Server;
}

async function listen(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Listener> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    handle(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as AddressInfo).port, hits, server };
}

let target: Listener;
let redirector: Listener;
const close = (l: Listener) => new Promise<void>((r) => l.server.close(() => r()));

beforeAll(async () => {
  target = await listen((req, res) => {
    if (req.url === "/big") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`${BANNER}${"x".repeat(200_000)}`);
      return;
    }
    if (req.url === "/html") {
      res.writeHead(500, { "content-type": "text/html" }).end(`<html>${BANNER}</html>`);
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ banner: BANNER }));
  });
  redirector = await listen((_req, res) => {
    res.writeHead(302, { location: `http://127.0.0.1:${target.port}/secret` }).end(BANNER);
  });
});
afterAll(async () => {
  await close(target);
  await close(redirector);
});

const messageOf = (p: Promise<unknown>) =>
  p.then(
    () => "resolved",
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );

describe("egressRequest (Node): the address connected to is checked", () => {
  it("refuses every loopback spelling before connecting: the listener sees nothing", async () => {
    const before = target.hits.length;
    for (const host of [
      "127.0.0.1",
      "[::ffff:127.0.0.1]",
      "[::ffff:7f00:1]",
      "2130706433",
      "0177.1",
      "127.1",
      "0x7f.1",
    ]) {
      const url = new URL(`http://${host}:${target.port}/hook`);
      const err = await egressRequest(url, {
        method: "POST",
        body: "{}",
        timeoutMs: 2000,
        maxBytes: 1024,
        allowPrivate: false,
      }).catch((e: unknown) => e);
      expect(err, host).toBeInstanceOf(EgressRefused);
    }
    expect(target.hits.length).toBe(before);
  });

  it("refuses, at connect time, a public-looking name that resolves to loopback (DNS rebinding)", async () => {
    // Whatever a check before said, the socket's own lookup answers loopback: refused there.
    const resolve: Resolver = async () => [{ address: "127.0.0.1", family: 4 }];
    const before = target.hits.length;
    const err = await egressRequest(new URL(`http://hooks.example.com:${target.port}/x`), {
      timeoutMs: 2000,
      maxBytes: 1024,
      allowPrivate: false,
      resolve,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EgressRefused);
    expect(String((err as Error).message)).toMatch(/hooks\.example\.com: 127\.0\.0\.1 is a loopback address/);
    expect(target.hits.length).toBe(before);
    // An IPv4-mapped answer is unwrapped just the same.
    const mapped = await messageOf(
      egressRequest(new URL(`http://hooks.example.com:${target.port}/x`), {
        timeoutMs: 2000,
        maxBytes: 1024,
        allowPrivate: false,
        resolve: async () => [{ address: "::ffff:7f00:1", family: 6 }],
      }),
    );
    expect(mapped).toMatch(/loopback/);
    expect(target.hits.length).toBe(before);
  });

  it("does not follow a redirect to loopback, cuts an oversized answer, and never repeats the body", async () => {
    const before = target.hits.length;
    const answer = await egressRequest(new URL(`http://127.0.0.1:${redirector.port}/`), {
      timeoutMs: 2000,
      maxBytes: 1024,
      allowPrivate: true,
    });
    expect(answer.status).toBe(302);
    expect(target.hits.length).toBe(before);

    const big = await messageOf(
      egressRequest(new URL(`http://127.0.0.1:${target.port}/big`), {
        timeoutMs: 2000,
        maxBytes: 1024,
        allowPrivate: true,
      }),
    );
    expect(big).toMatch(/larger than 1024 bytes/);
    expect(big).not.toContain(BANNER);
  });
});

describe("fetchLimited (any runtime): no redirects, a size cap, no echo", () => {
  it("treats a redirect as a failure and does not follow it", async () => {
    const before = target.hits.length;
    const err = await messageOf(
      fetchLimited(new URL(`http://127.0.0.1:${redirector.port}/`), { timeoutMs: 2000, maxBytes: 1024 }),
    );
    expect(err).toMatch(/answered 302 \(a redirect, which is not followed\)/);
    expect(err).not.toContain(BANNER);
    expect(target.hits.length).toBe(before);
  });

  it("cuts an oversized answer and never repeats what the server said", async () => {
    const big = await messageOf(
      fetchLimited(new URL(`http://127.0.0.1:${target.port}/big`), { timeoutMs: 2000, maxBytes: 4096 }),
    );
    expect(big).toMatch(/larger than 4096 bytes/);
    expect(big).not.toContain(BANNER);
    const html = await messageOf(
      fetchJson(new URL(`http://127.0.0.1:${target.port}/html`), { timeoutMs: 2000, maxBytes: 4096 }),
    );
    expect(html).toBe(`the server at http://127.0.0.1:${target.port}/html answered 500`);
    const ok = await fetchJson(new URL(`http://127.0.0.1:${target.port}/json`), { timeoutMs: 2000, maxBytes: 4096 });
    expect(ok).toEqual({ banner: BANNER });
  });
});
