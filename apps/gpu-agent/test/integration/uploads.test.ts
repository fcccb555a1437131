import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { silentLogger } from "@gantry/platform/logger";
import { type Buckets, ensureTopology } from "@gantry/platform/topology";
import { type NatsServer, startNatsServer } from "@gantry/testing/nats-server";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Uploads } from "../../src/uploads.ts";

/** The upload endpoint on a real object store, served over loopback as the agent serves it. */
let nats: NatsServer;
let nc: NatsConnection;
let buckets: Buckets;
let server: Server;
let origin: string;
let clock = Date.parse("2026-01-01T00:00:00Z");
const live = new Set(["inst-a", "inst-b"]);
let uploads: Uploads;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect(nats.connectOptions());
  buckets = await ensureTopology(nc);
  uploads = new Uploads({
    objects: buckets.objects,
    maxBytes: 1000,
    isLive: (id) => live.has(id),
    now: () => new Date(clock),
    log: silentLogger,
  });
  server = createServer((req, res) => void uploads.handle(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.close();
  await nc?.close();
  await nats?.[Symbol.asyncDispose]();
});

const put = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: "PUT", body, headers: { "content-type": "text/plain", ...headers } });

describe("the agent's upload endpoint", () => {
  it("stores a PUT, answers its Location, and only the instance's own prediction can claim it", async () => {
    const base = uploads.base(origin, "inst-a");
    const res = await put(`${base}out.txt`, "hello", { "x-prediction-id": "p1" });
    expect(res.status).toBe(201);
    const location = res.headers.get("location") ?? "";
    expect(location).toMatch(new RegExp(`^${base}[a-z0-9]{26}/out.txt$`));
    expect(uploads.names(location)).toBe(true);

    // Another instance, or another prediction of the same instance, cannot take it.
    expect(uploads.claim(location, "inst-b", "p1")).toBeNull();
    expect(uploads.claim(location, "inst-a", "p2")).toBeNull();
    const upload = uploads.claim(location, "inst-a", "p1");
    expect(upload).toMatchObject({ name: "out.txt", contentType: "text/plain", size: 5, predictionId: "p1" });
    expect(Buffer.from((await buckets.objects.getBlob(upload?.id ?? "")) ?? []).toString()).toBe("hello");
    // Claimed once; still readable by its claimant (a trainer's weights), by nobody else.
    expect(uploads.claim(location, "inst-a", "p1")).toBeNull();
    expect(uploads.peek(location, "inst-a", "p1")?.id).toBe(upload?.id);
    expect(uploads.peek(location, "inst-a", "p3")).toBeNull();
  });

  it("a server that ignores Location names the file by the URL it PUT to (the latest of that name)", async () => {
    const base = uploads.base(origin, "inst-b");
    await put(`${base}img.png`, "one");
    await put(`${base}/img.png`, "two");
    const upload = uploads.claim(`${base}img.png`, "inst-b", "any");
    expect(Buffer.from((await buckets.objects.getBlob(upload?.id ?? "")) ?? []).toString()).toBe("two");
  });

  it("refuses a wrong tag, a stopped instance, other methods and files at the limit, storing nothing", async () => {
    const pending = uploads.pending;
    const objects = (await buckets.objects.list()).length;
    const good = uploads.base(origin, "inst-a");
    expect((await put(`${good.replace(/\/[^/]+\/$/, `/${"x".repeat(43)}/`)}f`, "x")).status).toBe(404);
    expect((await put(`${uploads.base(origin, "inst-gone")}f`, "x")).status).toBe(404);
    expect((await fetch(`${good}f`, { method: "POST", body: "x" })).status).toBe(405);
    expect((await put(`${good}big`, "x".repeat(1000))).status).toBe(413);
    // No Content-Length (chunked): refused once the bytes pass the limit.
    const chunked = new ReadableStream({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode("y".repeat(100)));
        c.close();
      },
    });
    const res = await fetch(`${good}stream`, { method: "PUT", body: chunked, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    expect(uploads.pending).toBe(pending);
    expect((await buckets.objects.list()).length).toBe(objects);
  });

  it("deletes what no output claimed in time", async () => {
    const res = await put(`${uploads.base(origin, "inst-a")}orphan.txt`, "nobody wants me");
    const location = res.headers.get("location") ?? "";
    const before = uploads.pending;
    clock += 60_000;
    expect(await uploads.sweep(30_000)).toBe(before);
    expect(uploads.pending).toBe(0);
    expect(uploads.peek(location, "inst-a", "p1")).toBeNull();
    const names = (await buckets.objects.list()).map((o) => o.name);
    expect(names.some((n) => location.includes(n))).toBe(false);
  });
});
