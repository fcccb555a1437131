import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { testModel } from "@gantry/demo-models/test-model";
import { randomId } from "@gantry/platform/ids";
import { listKeys } from "@gantry/platform/kv-keys";
import { silentLogger } from "@gantry/platform/logger";
import { Registry } from "@gantry/platform/registry";
import { seed } from "@gantry/platform/seed";
import { ensureTopology } from "@gantry/platform/topology";
import { type NatsServer, startNatsServer } from "@gantry/testing/nats-server";
import { demoSeedModels } from "@gantry/testing/stack";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";

/** What the loopback listeners say: no answer of the gateway may repeat it. */
const BANNER = "LOOPBACK-SECRET-91d3";

interface Listener {
  url: string;
  hits: string[];
  server: Server;
}

/** A loopback HTTP server; `cog` serves a Cog schema, `html` an error page, `redirect` a 302 to `cog`. */
async function listener(kind: "cog" | "html" | "redirect", to?: string): Promise<Listener> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    if (kind === "html") return res.writeHead(500, { "content-type": "text/html" }).end(`<pre>${BANNER}</pre>`);
    if (kind === "redirect") return res.writeHead(302, { location: `${to}/openapi.json` }).end(BANNER);
    const body = req.url === "/openapi.json" ? testModel.openapi : { cog_version: "0.14.0", banner: BANNER };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

let nats: NatsServer;
let nc: NatsConnection;
let app: ReturnType<typeof createApp>["app"];
let cog: Listener;
let html: Listener;
let redirect: Listener;
let stored: () => Promise<number>;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect(nats.connectOptions());
  const buckets = await ensureTopology(nc);
  const registry = new Registry(buckets);
  const now = new Date();
  // `dev` is an ordinary account (production default); `ops` was granted the runtimes privilege.
  await seed(registry, { devToken: "r8_dev", devUsername: "dev", models: demoSeedModels(), now });
  await registry.putAccount({
    id: "ops",
    type: "user",
    username: "ops",
    name: "ops",
    created_at: now.toISOString(),
    privileges: ["runtimes"],
  });
  await registry.putToken("r8_ops", { account_id: "ops", name: "t", created_at: now.toISOString() });
  ({ app } = createApp({
    nc,
    buckets,
    signingSecret: "test-signing-secret",
    now: () => new Date(),
    newId: randomId,
    newToken: () => "unused",
    log: silentLogger,
    publicUrl: "https://api.gantry.test",
    webhooks: {
      allowPrivate: false,
      lookup: async (host) => (host === "rebind.example" ? ["127.0.0.1"] : ["93.184.216.34"]),
    },
  }));
  cog = await listener("cog");
  html = await listener("html");
  redirect = await listener("redirect", cog.url);
  stored = async () => (await listKeys(buckets.predictions)).length;
  for (const owner of ["dev", "ops"]) {
    const res = await call(owner, "POST", "/v1/models", { owner, name: "m", visibility: "private", hardware: "cpu" });
    expect(res.status).toBe(201);
  }
});
afterAll(async () => {
  for (const l of [cog, html, redirect]) await new Promise<void>((r) => l?.server.close(() => r()));
  await nc?.close();
  await nats?.[Symbol.asyncDispose]();
});

async function call(who: string, method: string, path: string, body?: unknown) {
  const res = await app.request(path, {
    method,
    headers: { authorization: `Bearer r8_${who}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text || "null") as Record<string, unknown> | null };
}

describe("versions are an operator's act", () => {
  it("an ordinary token's version from a URL, a command or an image is a 403, and nothing is called", async () => {
    for (const body of [
      { url: cog.url },
      { url: "http://[::ffff:7f00:1]:4222" },
      { command: ["node", "-e", "require('http').get('http://127.0.0.1:4222')"] },
      { image: "r8.im/nobody/nothing@sha256:0" },
    ]) {
      const res = await call("dev", "POST", "/v1/models/dev/m/versions", body);
      expect(res.status, JSON.stringify(body)).toBe(403);
      expect(res.json).toMatchObject({ status: 403, title: "Forbidden" });
      expect(String(res.json?.detail)).toMatch(/operator/);
    }
    expect(cog.hits).toEqual([]);
    expect((await call("dev", "GET", "/v1/models/dev/m/versions")).json).toMatchObject({ results: [] });
  });

  it("a privileged account registers a private server's URL; the probe follows no redirect and repeats nothing", async () => {
    const created = await call("ops", "POST", "/v1/models/ops/m/versions", { url: cog.url });
    expect(created.status, created.text).toBeLessThan(300);
    expect(created.json).toMatchObject({ cog_version: "0.14.0" });
    expect(cog.hits).toEqual(["GET /openapi.json", "GET /"]);

    const broken = await call("ops", "POST", "/v1/models/ops/m/versions", { url: html.url });
    expect(broken.json).toMatchObject({ status: 422, title: "Invalid model server" });
    expect(String(broken.json?.detail)).toContain(`the server at ${html.url}/openapi.json answered 500`);
    expect(broken.text).not.toContain(BANNER);

    const moved = await call("ops", "POST", "/v1/models/ops/m/versions", { url: redirect.url });
    expect(moved.json).toMatchObject({ status: 422 });
    expect(String(moved.json?.detail)).toMatch(/answered 302 \(a redirect, which is not followed\)/);
    expect(moved.text).not.toContain(BANNER);
    expect(cog.hits).toHaveLength(2);
  });
});

describe("URL inputs pass the egress guard", () => {
  it("an input URL of an internal address, in any spelling or behind a name, is a 422 on its field", async () => {
    const before = await stored();
    for (const file of [
      `${cog.url}/x`,
      "http://[::ffff:127.0.0.1]:4222/",
      "http://[::ffff:7f00:1]:4222/",
      "http://2130706433:8222/varz",
      "http://169.254.169.254/latest/meta-data/",
      "http://localhost:8787/",
      "https://rebind.example/cat.png",
      // Blanks and controls that Python's URL parsing drops, and a host followed by words.
      "http://127.0.0.1/\n",
      "http://127.0.\t0.1/",
      " \u0001http://169.254.169.254/latest/ ",
      "HTTP://127.0.0.1/",
      "http://127.0.0.1/ and some words",
    ]) {
      const res = await call("dev", "POST", "/v1/models/gantry/file-info/predictions", { input: { file } });
      expect(res.status, file).toBe(422);
      expect(res.json, file).toMatchObject({
        title: "Input validation failed",
        invalid_fields: [expect.objectContaining({ type: "invalid_url", field: "input.file" })],
      });
    }
    expect(await stored()).toBe(before);
    expect(cog.hits).toHaveLength(2);
  });

  it("public URLs and the platform's own file URLs pass", async () => {
    const ok = await call("dev", "POST", "/v1/models/gantry/file-info/predictions", {
      input: { file: "https://images.example.com/cat.png" },
    });
    expect(ok.status, ok.text).toBe(201);
    // A file URL of this platform is judged as a file (here: there is no such file), not as egress.
    const own = await call("dev", "POST", "/v1/models/gantry/file-info/predictions", {
      input: { file: `https://api.gantry.test/v1/files/${"a".repeat(26)}` },
    });
    expect(own.json).toMatchObject({
      status: 422,
      invalid_fields: [expect.objectContaining({ type: "invalid_file" })],
    });
    // Text that names an internal URL, but does not start with it, is nothing a model server fetches.
    const prose = await call("dev", "POST", "/v1/models/gantry/text-stream/predictions", {
      input: { prompt: "the agent listens at http://127.0.0.1" },
    });
    expect(prose.status, prose.text).toBe(201);
  });
});
