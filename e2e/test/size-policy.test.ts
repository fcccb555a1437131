import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

let p: Platform;

beforeAll(async () => {
  p = await startPlatform();
});
afterAll(async () => {
  await p?.close();
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const bytesOf = (n: number) => new Uint8Array(n).map((_, i) => (i * 31 + (i >> 8)) % 256);
const dataUrl = (bytes: Uint8Array) => `data:application/octet-stream;base64,${Buffer.from(bytes).toString("base64")}`;

// One size policy (packages/contracts/src/limits.ts): everything accepted fits through NATS.
describe("input sizes", () => {
  it("a 1.5 MB data-URL input runs through replicate.run: the model gets the bytes, the record keeps a file URL", async () => {
    const bytes = bytesOf(1_500_000);
    const output = await p.replicate.run("gantry/file-info", { input: { file: dataUrl(bytes) } });
    expect(output).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
    // The stored prediction holds the caller's new file's URL, not 2 MB of base64.
    const page = await p.replicate.predictions.list();
    const latest = page.results[0] as { status: string; input: { file: string } } | undefined;
    expect(latest?.status).toBe("succeeded");
    expect(latest?.input.file).toMatch(new RegExp(`^${p.stack.baseUrl}/v1/files/[a-z0-9]{26}$`));
    const file = await p.api(new URL(latest?.input.file ?? "").pathname);
    expect(await file.json()).toMatchObject({ size: bytes.length, checksums: { sha256: sha256(bytes) } });
  });

  it("an 0.8 MB data-URL input no longer strands: it succeeds", async () => {
    const bytes = bytesOf(800_000);
    const prediction = await p.replicate.predictions.create({
      model: "gantry/file-info",
      input: { file: dataUrl(bytes) },
    });
    const done = await p.replicate.wait(prediction, { interval: 100 });
    expect(done.status).toBe("succeeded");
    expect(done.output).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
  });

  it("an oversized plain-JSON input is a 413 problem naming the limit, and creates nothing", async () => {
    const before = await p.counts();
    for (const n of [300_000, 800_000, 1_500_000]) {
      const res = await p.api("/v1/models/gantry/test/predictions", {
        method: "POST",
        body: JSON.stringify({ input: { tokens: 1, fail: "x".repeat(n) } }),
      });
      expect(res.status).toBe(413);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const problem = (await res.json()) as { title: string; detail: string; status: number };
      expect(problem).toMatchObject({ status: 413, title: "Payload too large" });
      expect(problem.detail).toContain("256 KiB");
    }
    expect(await p.counts()).toEqual(before);
  });

  it("a body over the JSON limit is a 413 problem too", async () => {
    const res = await p.api("/v1/models/gantry/test/predictions", {
      method: "POST",
      body: JSON.stringify({ input: { fail: "x".repeat(17 * 1024 * 1024) } }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { detail: string }).detail).toContain("16 MiB");
  });

  // A chunked body declares no length: the limit counts it while reading it.
  const chunked = (text: string, chunkBytes: number): RequestInit => {
    const bytes = new TextEncoder().encode(text);
    let at = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.length) return controller.close();
        controller.enqueue(bytes.subarray(at, at + chunkBytes));
        at += chunkBytes;
      },
    });
    return { method: "POST", body, duplex: "half" } as RequestInit;
  };

  /**
   * wrangler dev (the local server in front of workerd, not workerd itself) now and then answers a
   * large streamed upload `503 Your worker restarted mid-request` without the worker having answered
   * it (cloudflare/workerd#4660): that answer, and only it, is tried again.
   */
  const postStreamed = async (make: () => RequestInit) => {
    for (let attempt = 1; ; attempt++) {
      const res = await p.api("/v1/models/gantry/test/predictions", make());
      if (res.status !== 503 || attempt === 3) return res;
      const text = await res.clone().text();
      if (!text.includes("restarted mid-request")) return res;
      console.warn(`wrangler dev answered 503 (${text.slice(0, 80)}); trying again`);
    }
  };

  it("a chunked body is read and counted: under the limit it runs, over it it is a 413", async () => {
    const ok = await postStreamed(() => chunked(JSON.stringify({ input: { tokens: 1 } }), 7));
    expect(ok.status).toBe(201);
    const big = await postStreamed(() =>
      chunked(JSON.stringify({ input: { fail: "x".repeat(17 * 1024 * 1024) } }), 1 << 20),
    );
    if (big.status === 503) console.error("503 body:", await big.clone().text());
    expect(big.status).toBe(413);
    expect(((await big.json()) as { detail: string }).detail).toContain("16 MiB");
  });
});
