import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { checkWebhookUrl } from "@gantry/platform/webhook-url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postWebhook } from "../../src/webhooks/http.ts";

const BANNER = "RECEIVER-SAID-7c1e";
let port = 0;
let redirectPort = 0;
const hits: string[] = [];
const [receiver, redirector] = [
  createServer((req, res) => {
    hits.push(req.url ?? "");
    res.writeHead(200).end(BANNER);
  }),
  createServer((_req, res) => {
    res.writeHead(307, { location: `http://127.0.0.1:${port}/followed` }).end(BANNER);
  }),
];

beforeAll(async () => {
  for (const s of [receiver, redirector]) await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  port = (receiver.address() as AddressInfo).port;
  redirectPort = (redirector.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const s of [receiver, redirector]) await new Promise<void>((r) => s.close(() => r()));
});

const deliver = (url: string, allowPrivate = false) =>
  postWebhook(new URL(url), "{}", { "content-type": "application/json" }, { allowPrivate, timeoutMs: 2000 });

describe("webhook delivery through the egress guard (production defaults)", () => {
  it("never reaches a loopback listener through any spelling of its address", async () => {
    for (const host of [
      "127.0.0.1",
      "[::ffff:127.0.0.1]",
      "[::ffff:7f00:1]",
      "2130706433",
      "0177.1",
      "127.1",
      "[::1]",
    ]) {
      const url = `http://${host}:${port}/hook`;
      // Refused when the prediction is created (the gateway's check, the same guard)…
      await expect(checkWebhookUrl(url, { allowPrivate: false }), url).rejects.toMatchObject({ status: 422 });
      // …and at delivery, should a stored URL get past it.
      const result = await deliver(url);
      expect(result.status, url).toBeNull();
      expect(result.error, url).toMatch(/may not reach/);
    }
    expect(hits).toEqual([]);
  });

  it("does not follow a redirect (a 3xx is a failed delivery) and never logs what the receiver said", async () => {
    const result = await deliver(`http://127.0.0.1:${redirectPort}/hook`, true);
    expect(result.status).toBe(307);
    expect(result.error).toMatch(/redirect, which is not followed/);
    expect(result.error).not.toContain(BANNER);
    expect(hits).toEqual([]);
    // Where private addresses are allowed (local development), the same listener is reached.
    const ok = await deliver(`http://127.0.0.1:${port}/hook`, true);
    expect(ok).toMatchObject({ status: 200, error: null });
    expect(hits).toEqual(["/hook"]);
  });
});
