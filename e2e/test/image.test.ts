import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

let p: Platform;
beforeAll(async () => {
  // Output files expire with the retention window: 2 seconds instead of an hour.
  p = await startPlatform("r8_e2e_dev_token", { retentionMs: 2000 });
});
afterAll(async () => {
  await p?.close();
});

/** Width and height from a PNG's IHDR chunk (right after the 8-byte signature). */
function ihdr(bytes: Buffer): { width: number; height: number } {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(bytes.toString("latin1", 12, 16)).toBe("IHDR");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe("gantry/image: a file output through the official client", () => {
  it("run() gives a signed URL that downloads the PNG, and answers 404 once the file expired", async () => {
    const output = (await p.replicate.run("gantry/image", {
      input: { prompt: "a red fox", width: 64, height: 48 },
    })) as unknown as string[];
    expect(output).toHaveLength(1);
    const url = String(output[0]);
    expect(url).toMatch(
      new RegExp(`^${p.stack.baseUrl}/v1/files/[a-z0-9]{26}/download\\?owner=dev&expiry=\\d+&signature=`),
    );

    // No Authorization header: the signature is the grant.
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    // A model's output is served as uploads are: shown inline (a PNG cannot run), never sniffed, sandboxed.
    expect(res.headers.get("content-disposition")).toMatch(/^inline; filename="/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toContain("sandbox");
    expect(ihdr(Buffer.from(await res.arrayBuffer()))).toEqual({ width: 64, height: 48 });

    let status = 200;
    for (let i = 0; i < 50 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const again = await fetch(url);
      await again.body?.cancel();
      status = again.status;
    }
    expect(status).toBe(404);
  });

  it("the file is the account's: it is listed with the prediction it came from", async () => {
    const created = await p.replicate.predictions.create({
      model: "gantry/image",
      input: { prompt: "a blue whale", width: 32, height: 32, seed: 3 },
    });
    const done = await p.replicate.wait(created, { interval: 50 });
    expect(done.status).toBe("succeeded");
    const fileId = /\/v1\/files\/([a-z0-9]{26})\//.exec(String((done.output as string[])[0]))?.[1];
    const res = await p.api(`/v1/files/${fileId}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: fileId,
      name: "out-0.png",
      content_type: "image/png",
      metadata: { prediction_id: created.id },
    });
  });
});
