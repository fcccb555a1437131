import { createHash, createHmac } from "node:crypto";
import { Registry } from "@gantry/platform/registry";
import { signingSecret } from "@gantry/platform/signing-secret";
import { ensureTopology } from "@gantry/platform/topology";
import Replicate from "replicate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

interface FileObject {
  id: string;
  name: string;
  content_type: string;
  size: number;
  etag: string;
  checksums: { sha256: string; md5: string };
  metadata: Record<string, unknown>;
  created_at: string;
  expires_at: string;
  urls: { get: string };
}

let p: Platform;
let secret: string;
/** A second account, to prove files stay with their owner. */
let eve: Replicate;

beforeAll(async () => {
  p = await startPlatform();
  const buckets = await ensureTopology(p.nc);
  const registry = new Registry(buckets);
  const at = new Date().toISOString();
  await registry.putAccount({ id: "eve", type: "user", username: "eve", name: "Eve", created_at: at });
  await registry.putToken("r8_e2e_eve_token", { account_id: "eve", name: "e2e", created_at: at });
  eve = new Replicate({ auth: "r8_e2e_eve_token", baseUrl: `${p.stack.baseUrl}/v1` });
  // The gateway created the shared signing secret on start; reading it lets this suite sign as the spec says.
  secret = await signingSecret(buckets.accounts);
});
afterAll(async () => {
  await p?.close();
});

const hex = (algo: string, bytes: Uint8Array) => createHash(algo).update(bytes).digest("hex");

/** Reference §7.1: base64 HMAC-SHA256 of "{owner} {id} {expiry}". */
function downloadUrl(owner: string, id: string, expiry: number, key = secret): string {
  const signature = createHmac("sha256", key).update(`${owner} ${id} ${expiry}`).digest("base64");
  const query = new URLSearchParams({ owner, expiry: String(expiry), signature });
  return `${p.stack.baseUrl}/v1/files/${id}/download?${query}`;
}

describe("the Files API through the official client (reference §7.1)", () => {
  it("files.create (Buffer, with metadata) → get → list → delete (true) → get rejects", async () => {
    const bytes = Buffer.from("hello from the e2e suite");
    const file = (await p.replicate.files.create(bytes, { purpose: "e2e" })) as unknown as FileObject;
    expect(file).toMatchObject({
      id: expect.stringMatching(/^[a-z0-9]{26}$/),
      name: expect.stringMatching(/^buffer_\d+$/),
      content_type: "application/octet-stream",
      size: bytes.length,
      checksums: { sha256: hex("sha256", bytes), md5: hex("md5", bytes) },
      metadata: { purpose: "e2e" },
      urls: { get: `${p.stack.baseUrl}/v1/files/${file.id}` },
    });
    expect(Date.parse(file.expires_at) - Date.parse(file.created_at)).toBe(24 * 60 * 60 * 1000);

    const blob = (await p.replicate.files.create(
      new Blob(["a,b\n1,2\n"], { type: "text/csv" }),
    )) as unknown as FileObject;
    expect(blob).toMatchObject({
      content_type: "text/csv",
      size: 8,
      metadata: {},
      name: expect.stringMatching(/^blob_/),
    });

    expect(await p.replicate.files.get(file.id)).toEqual(file);
    const page = (await p.replicate.files.list()) as unknown as { results: FileObject[]; next: string | null };
    expect(page.results.map((f) => f.id).slice(0, 2)).toEqual([blob.id, file.id]);
    // Another account sees none of them.
    const theirs = (await eve.files.list()) as unknown as { results: FileObject[] };
    expect(theirs.results.map((f) => f.id)).not.toContain(file.id);
    await expect(eve.files.get(file.id)).rejects.toThrow(/status 404/);
    await expect(eve.files.delete(file.id)).rejects.toThrow(/status 404/);

    expect(await p.replicate.files.delete(file.id)).toBe(true);
    await expect(p.replicate.files.get(file.id)).rejects.toThrow(/status 404 Not Found: .*File not found/);
    // The client throws on any non-2xx: deleting it again is a 404 too.
    await expect(p.replicate.files.delete(file.id)).rejects.toThrow(/status 404/);
  });

  it("downloads with a signed URL and no Authorization header; a tampered signature is a 404", async () => {
    const bytes = new Uint8Array(500_000).map((_, i) => (i * 13) % 251);
    const file = (await p.replicate.files.create(new Blob([bytes], { type: "image/png" }))) as unknown as FileObject;
    const expiry = Math.floor(Date.now() / 1000) + 600;
    const res = await fetch(downloadUrl("dev", file.id, expiry));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(hex("sha256", new Uint8Array(await res.arrayBuffer()))).toBe(hex("sha256", bytes));

    const good = new URL(downloadUrl("dev", file.id, expiry));
    const sig = good.searchParams.get("signature") ?? "";
    good.searchParams.set("signature", (sig[0] === "A" ? "B" : "A") + sig.slice(1));
    for (const bad of [
      good.toString(),
      downloadUrl("dev", file.id, expiry, "not the secret"),
      downloadUrl("dev", file.id, Math.floor(Date.now() / 1000) - 1),
      downloadUrl("eve", file.id, expiry),
      `${p.stack.baseUrl}/v1/files/${file.id}/download`,
    ]) {
      const r = await fetch(bad);
      expect(r.status, bad).toBe(404);
      expect(await r.json()).toMatchObject({ detail: "File not found", status: 404 });
    }
  });

  it("refuses an upload of 100 MB or more with 413, reading it as a stream", async () => {
    const chunk = new Uint8Array(1024 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(
          new TextEncoder().encode('--x\r\nContent-Disposition: form-data; name="content"; filename="big"\r\n\r\n'),
        );
      },
      pull(c) {
        // 120 MB of zeros then the end of the form: the gateway must stop it at 100 MB.
        if (sent++ < 120) c.enqueue(chunk);
        else {
          c.enqueue(new TextEncoder().encode("\r\n--x--\r\n"));
          c.close();
        }
      },
    });
    const upload = async () => {
      const res = await fetch(`${p.stack.baseUrl}/v1/files`, {
        method: "POST",
        headers: { authorization: `Bearer ${p.stack.token}`, "content-type": "multipart/form-data; boundary=x" },
        body,
        duplex: "half",
      } as RequestInit);
      return { status: res.status, type: res.headers.get("content-type"), json: await res.json() };
    };
    const outcome = await upload().catch((err: unknown) => err as Error);
    if (outcome instanceof Error) {
      // Under workerd the platform's own 100 MB request limit applies around the Worker;
      // `wrangler dev` enforces it by closing the connection (Cloudflare's edge answers 413).
      expect(process.env.GANTRY_GATEWAY_RUNTIME).toBe("workerd");
      expect(String((outcome as { cause?: unknown }).cause ?? outcome)).toMatch(
        /ECONNRESET|EPIPE|terminated|socket|other side closed/i,
      );
    } else {
      expect(outcome.status).toBe(413);
      expect(outcome.type).toBe("application/problem+json");
      expect(outcome.json).toMatchObject({ status: 413, detail: "Files must be less than 100MB in size" });
    }
    // Either way nothing was stored.
    const page = (await p.replicate.files.list()) as unknown as { results: FileObject[] };
    expect(page.results.some((f) => f.name === "big")).toBe(false);
  });
});

describe("files as prediction inputs", () => {
  it("run() uploads a Blob input via /v1/files and the model reads it", async () => {
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 7) % 256);
    const output = await p.replicate.run("gantry/file-info", { input: { file: new Blob([bytes]) } });
    expect(output).toEqual({
      size: bytes.length,
      sha256: hex("sha256", bytes),
      content_type: "application/octet-stream",
    });
    // The upload went through the Files API: the newest file is the one run() sent.
    const page = (await p.replicate.files.list()) as unknown as { results: FileObject[] };
    expect(page.results[0]?.checksums.sha256).toBe(hex("sha256", bytes));
  });

  it("a data: URL input needs no upload", async () => {
    const output = await p.replicate.run("gantry/file-info", { input: { file: "data:text/plain;base64,aGk=" } });
    expect(output).toEqual({ size: 2, sha256: hex("sha256", Buffer.from("hi")), content_type: "text/plain" });
  });

  it("another account's file URL is a 422 invalid_file, and nothing is created", async () => {
    const file = (await eve.files.create(Buffer.from("eve's"))) as unknown as FileObject;
    const before = await p.counts();
    const res = await p.api("/v1/models/gantry/file-info/predictions", {
      method: "POST",
      body: JSON.stringify({ input: { file: file.urls.get } }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      title: "Input validation failed",
      invalid_fields: [{ type: "invalid_file", field: "input.file" }],
    });
    expect(await p.counts()).toEqual(before);
  });
});
