import type { AddressInfo } from "node:net";
import { randomId } from "@gantry/platform/ids";
import { createLogger, silentLogger } from "@gantry/platform/logger";
import { Registry } from "@gantry/platform/registry";
import { signedDownloadUrl } from "@gantry/platform/signed-url";
import { ensureTopology } from "@gantry/platform/topology";
import { type NatsServer, startNatsServer } from "@gantry/testing/nats-server";
import { serve } from "@hono/node-server";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import type { GatewayDeps } from "../../src/deps.ts";

const SECRET = "content-safety-signing-secret";
let nats: NatsServer;
let nc: NatsConnection;
let server: ReturnType<typeof serve>;
let base: string;

const deps = (over: Partial<GatewayDeps> & Pick<GatewayDeps, "nc" | "buckets">): GatewayDeps => ({
  signingSecret: SECRET,
  now: () => new Date(),
  newId: randomId,
  newToken: randomId,
  log: silentLogger,
  cacheTtlMs: 0,
  rateLimits: { createPerMinute: 0, otherPerMinute: 0 },
  ...over,
});

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect(nats.connectOptions());
  const buckets = await ensureTopology(nc);
  const at = new Date().toISOString();
  const registry = new Registry(buckets);
  await registry.putAccount({ id: "alice", type: "user", username: "alice", name: "alice", created_at: at });
  await registry.putToken("r8_alice", { account_id: "alice", name: "t", created_at: at });
  const { app } = createApp(deps({ nc, buckets }));
  // A real gateway on loopback: what a browser would be sent.
  server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 30_000);
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await nc?.close();
  await nats?.[Symbol.asyncDispose]();
});

/** Uploads bytes as `POST /v1/files` does for any client, then signs a download URL for them. */
async function uploadAndSign(body: string, type: string, name: string): Promise<string> {
  const form = new FormData();
  form.append("content", new Blob([body], { type }), name);
  const res = await fetch(`${base}/v1/files`, {
    method: "POST",
    headers: { authorization: "Bearer r8_alice" },
    body: form,
  });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  return signedDownloadUrl(base, "alice", id, Math.floor(Date.now() / 1000) + 600, SECRET);
}

const SCRIPT = "<script>alert(document.domain)</script>";

describe("downloads of tenant files", () => {
  it.each([
    ["text/html", "page.html", `<!doctype html><html>${SCRIPT}</html>`],
    ["image/svg+xml", "logo.svg", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`],
    [
      "application/xml",
      "feed.xml",
      `<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>`,
    ],
    ["text/javascript", "app.js", "alert(document.cookie)"],
  ])("serve %s as a sandboxed attachment, never sniffed", async (type, name, body) => {
    const res = await fetch(await uploadAndSign(body, type, name));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(type);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${name}"`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'none';.*\bsandbox\b/);
    expect(res.headers.get("cross-origin-resource-policy")).toBe("same-origin");
    expect(await res.text()).toBe(body);
  });

  it("serves a PNG inline (it can only be shown), still sandboxed and never sniffed", async () => {
    const png = "\x89PNG\r\n\x1a\n";
    const res = await fetch(await uploadAndSign(png, "image/png", "out.png"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-disposition")).toBe('inline; filename="out.png"');
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toContain("sandbox");
    expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
  });

  it("serves a file whose type does not parse as an octet-stream attachment, its name encoded", async () => {
    const res = await fetch(await uploadAndSign(SCRIPT, "text/html, image/png", "naïve.html"));
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="na_ve.html"; filename*=UTF-8''na%C3%AFve.html`,
    );
  });
});

describe("the API's own responses", () => {
  it("are never sniffed and run nothing: JSON, problems, the OpenAPI document", async () => {
    for (const [path, auth, status] of [
      ["/v1/files", true, 200],
      ["/v1/files", false, 401],
      ["/v1/nothing-here", true, 404],
      ["/v1/openapi.json", false, 200],
    ] as const) {
      const res = await fetch(`${base}${path}`, auth ? { headers: { authorization: "Bearer r8_alice" } } : {});
      expect(res.status, path).toBe(status);
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("content-security-policy"), path).toMatch(/^default-src 'none'/);
      expect(res.headers.get("referrer-policy"), path).toBe("no-referrer");
    }
  });

  it("serve /docs with its own styles only: no script, no frames", async () => {
    const res = await fetch(`${base}/docs`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/^default-src 'none'; style-src 'unsafe-inline';/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("script-src");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("logs of failed requests", () => {
  it("name the route, never a stream capability or a download signature", async () => {
    const lines: string[] = [];
    const nc2 = await connect(nats.connectOptions());
    const real = await ensureTopology(nc2);
    // Reads of predictions and files fail with an error nobody expected (not an outage, which is a 503).
    const failing = <T extends object>(kv: T): T =>
      new Proxy(kv, {
        get: (target, prop, receiver) =>
          prop === "get" ? () => Promise.reject(new Error("the disk is on fire")) : Reflect.get(target, prop, receiver),
      });
    const { app } = createApp(
      deps({
        nc: nc2,
        buckets: { ...real, predictions: failing(real.predictions), files: failing(real.files) },
        log: createLogger({ svc: "gateway" }, (l) => lines.push(l)),
      }),
    );
    const id = randomId();
    const capability = "sTrEaMcApAbIlItY0123456789abcdef";
    const stream = await app.request(`/v1/streams/${id}/${capability}`);
    expect(stream.status).toBe(500);
    const url = new URL(await signedDownloadUrl("http://gw", "alice", id, Math.floor(Date.now() / 1000) + 600, SECRET));
    const signature = url.searchParams.get("signature") ?? "";
    const download = await app.request(`${url.pathname}${url.search}`);
    expect(download.status).toBe(500);

    expect(lines).toHaveLength(2);
    const logged = lines.map((l) => JSON.parse(l) as { level: string; route: string; method: string });
    expect(logged.map((l) => [l.level, l.method, l.route])).toEqual([
      ["error", "GET", "/v1/streams/:id/:token"],
      ["error", "GET", "/v1/files/:id/download"],
    ]);
    const all = lines.join("\n");
    expect(all).not.toContain(capability);
    expect(all).not.toContain(signature);
    expect(all).not.toContain(encodeURIComponent(signature));
    await nc2.close();
  });
});
