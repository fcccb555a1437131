import { createHash } from "node:crypto";
import { FILE_TOO_LARGE_DETAIL, type FileObject, MAX_FILE_BYTES } from "@gantry/contracts/files";
import { randomId } from "@gantry/platform/ids";
import { silentLogger } from "@gantry/platform/logger";
import { Registry } from "@gantry/platform/registry";
import { signedDownloadUrl } from "@gantry/platform/signed-url";
import { type Buckets, ensureTopology } from "@gantry/platform/topology";
import { type NatsServer, startNatsServer } from "@gantry/testing/nats-server";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../app.ts";

const BASE = "http://gw.test";
const SECRET = "test-signing-secret";
let nats: NatsServer;
let nc: NatsConnection;
let buckets: Buckets;
let clock = Date.parse("2026-01-01T00:00:00.000Z");
let app: ReturnType<typeof createApp>["app"];

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect(nats.connectOptions());
  buckets = await ensureTopology(nc);
  const registry = new Registry(buckets);
  const at = new Date(clock).toISOString();
  for (const id of ["alice", "bob"]) {
    await registry.putAccount({ id, type: "user", username: id, name: id, created_at: at });
    await registry.putToken(`r8_${id}`, { account_id: id, name: "test", created_at: at });
  }
  app = createApp({
    nc,
    buckets,
    signingSecret: SECRET,
    now: () => new Date(clock),
    newId: randomId,
    newToken: randomId,
    log: silentLogger,
    publicUrl: BASE,
    cacheTtlMs: 0,
    rateLimits: { createPerMinute: 0, otherPerMinute: 0 },
  }).app;
}, 30_000);
afterAll(async () => {
  await nc?.close();
  await nats?.[Symbol.asyncDispose]();
});

const auth = (who: string) => ({ authorization: `Bearer r8_${who}` });

/** What the official client sends (reference §7.1): a content part and a JSON metadata part. */
function clientForm(bytes: Uint8Array<ArrayBuffer>, metadata?: unknown, type = ""): FormData {
  const form = new FormData();
  form.append("content", new Blob([bytes], { type }), `buffer_${clock}`);
  if (metadata !== undefined) {
    form.append("metadata", new Blob([JSON.stringify(metadata)], { type: "application/json" }), "blob");
  }
  return form;
}

async function upload(who: string, form: FormData): Promise<FileObject> {
  const res = await app.request("/v1/files", { method: "POST", headers: auth(who), body: form });
  expect(res.status).toBe(201);
  return (await res.json()) as FileObject;
}

const hex = (algo: string, bytes: Uint8Array) => createHash(algo).update(bytes).digest("hex");

describe("the Files API (reference §7.1)", () => {
  it("uploads, gets, lists newest first, and deletes (204, then 404)", async () => {
    const bytes = new TextEncoder().encode("hello, files");
    const created = await upload("alice", clientForm(bytes, { purpose: "test" }));
    expect(created).toEqual({
      id: expect.stringMatching(/^[a-z0-9]{26}$/),
      name: `buffer_${clock}`,
      content_type: "application/octet-stream",
      size: bytes.length,
      etag: hex("md5", bytes),
      checksums: { sha256: hex("sha256", bytes), md5: hex("md5", bytes) },
      metadata: { purpose: "test" },
      created_at: "2026-01-01T00:00:00.000Z",
      expires_at: "2026-01-02T00:00:00.000Z",
      urls: { get: `${BASE}/v1/files/${created.id}` },
    });
    clock += 1000;
    const second = await upload("alice", clientForm(new Uint8Array([1, 2, 3]), undefined, "image/png"));
    expect(second).toMatchObject({ content_type: "image/png", size: 3, metadata: {} });
    await upload("bob", clientForm(new Uint8Array([9])));

    const got = await app.request(`/v1/files/${created.id}`, { headers: auth("alice") });
    expect(await got.json()).toEqual(created);

    const list = await app.request("/v1/files", { headers: auth("alice") });
    const page = (await list.json()) as { next: unknown; previous: unknown; results: FileObject[] };
    expect(page.next).toBeNull();
    expect(page.previous).toBeNull();
    expect(page.results.map((f) => f.id)).toEqual([second.id, created.id]);

    // Another account's file is a 404, exactly like a missing one.
    const theirs = await app.request(`/v1/files/${created.id}`, { headers: auth("bob") });
    expect(theirs.status).toBe(404);
    expect(theirs.headers.get("content-type")).toBe("application/problem+json");
    expect(await theirs.json()).toMatchObject({ detail: "File not found", status: 404 });
    expect((await app.request(`/v1/files/${created.id}`, { method: "DELETE", headers: auth("bob") })).status).toBe(404);

    const del = await app.request(`/v1/files/${created.id}`, { method: "DELETE", headers: auth("alice") });
    expect(del.status).toBe(204);
    expect((await app.request(`/v1/files/${created.id}`, { headers: auth("alice") })).status).toBe(404);
    expect((await buckets.objects.info(created.id))?.deleted ?? true).toBe(true);
    expect((await app.request("/v1/files/not-an-id", { headers: auth("alice") })).status).toBe(404);
    expect((await app.request("/v1/files")).status).toBe(401);
  });

  it("downloads with a signed URL and no Authorization header; a bad grant is a 404", async () => {
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 31) % 256);
    const file = await upload("alice", clientForm(bytes, {}, "image/webp"));
    const nowS = Math.floor(clock / 1000);
    const url = await signedDownloadUrl(BASE, "alice", file.id, nowS + 60, SECRET);
    const res = await app.request(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/webp");
    const got = new Uint8Array(await res.arrayBuffer());
    expect(got.length).toBe(bytes.length);
    expect(hex("sha256", got)).toBe(file.checksums.sha256);

    const u = new URL(url);
    const sig = u.searchParams.get("signature") ?? "";
    const with_ = (k: string, v: string) => {
      const t = new URL(url);
      t.searchParams.set(k, v);
      return t.toString();
    };
    for (const bad of [
      with_("signature", (sig[0] === "A" ? "B" : "A") + sig.slice(1)),
      with_("expiry", String(nowS + 61)),
      with_("owner", "bob"),
      `${BASE}/v1/files/${file.id}/download`,
      await signedDownloadUrl(BASE, "alice", file.id, nowS - 1, SECRET),
      await signedDownloadUrl(BASE, "bob", file.id, nowS + 60, SECRET),
      await signedDownloadUrl(BASE, "alice", file.id, nowS + 60, "another secret"),
    ]) {
      const r = await app.request(bad);
      expect(r.status, bad).toBe(404);
      expect(await r.json()).toMatchObject({ detail: "File not found" });
    }
  });

  it("stores and serves an empty file", async () => {
    const file = await upload("alice", clientForm(new Uint8Array(0), undefined, "text/plain"));
    expect(file).toMatchObject({ size: 0, checksums: { md5: hex("md5", new Uint8Array(0)) } });
    const res = await app.request(
      await signedDownloadUrl(BASE, "alice", file.id, Math.floor(clock / 1000) + 60, SECRET),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it("expires files 24 hours after upload, removing them when next asked for", async () => {
    const file = await upload("alice", clientForm(new Uint8Array([1])));
    const url = await signedDownloadUrl(BASE, "alice", file.id, Math.floor(clock / 1000) + 48 * 3600, SECRET);
    clock += 24 * 60 * 60 * 1000;
    try {
      expect((await app.request(url)).status).toBe(404);
      expect((await app.request(`/v1/files/${file.id}`, { headers: auth("alice") })).status).toBe(404);
      expect((await buckets.files.get(file.id))?.operation).not.toBe("PUT");
      expect((await buckets.objects.info(file.id))?.deleted ?? true).toBe(true);
    } finally {
      clock -= 24 * 60 * 60 * 1000;
    }
  });

  it("refuses a declared Content-Length over the limit before reading it (413)", async () => {
    const res = await app.request("/v1/files", {
      method: "POST",
      headers: {
        ...auth("alice"),
        "content-type": "multipart/form-data; boundary=x",
        "content-length": String(MAX_FILE_BYTES + 2 * 1024 * 1024),
      },
      body: "--x--",
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ detail: FILE_TOO_LARGE_DETAIL, status: 413 });
  });

  it("refuses a streamed upload once it reaches 100 MB, keeping nothing (413)", async () => {
    const before = (await buckets.objects.status()).size;
    const chunk = new Uint8Array(1024 * 1024);
    const enc = new TextEncoder();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode('--x\r\nContent-Disposition: form-data; name="content"; filename="big"\r\n\r\n'));
      },
      pull(c) {
        // Zeros without end: only the limit can end this request.
        sent++;
        c.enqueue(chunk);
      },
    });
    const res = await app.request("/v1/files", {
      method: "POST",
      headers: { ...auth("alice"), "content-type": "multipart/form-data; boundary=x" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ detail: FILE_TOO_LARGE_DETAIL });
    expect(sent).toBeGreaterThanOrEqual(100);
    expect(sent).toBeLessThan(105);
    expect((await buckets.objects.status()).size).toBe(before);
  }, 60_000);

  it("answers 415 for a body that is not multipart and 422 without a content part", async () => {
    const json = await app.request("/v1/files", {
      method: "POST",
      headers: { ...auth("alice"), "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(415);
    const form = new FormData();
    form.append("metadata", "{}");
    const none = await app.request("/v1/files", { method: "POST", headers: auth("alice"), body: form });
    expect(none.status).toBe(422);
    expect(await none.json()).toMatchObject({ invalid_fields: [{ field: "content", type: "required" }] });
  });
});
