import { createHash } from "node:crypto";
import { FileRecord } from "@gantry/contracts/files";
import { decode } from "@gantry/platform/codec";
import { assertCogClassicRuns, cogClassicArgv } from "@gantry/testing/cog-classic";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startAgent } from "./harness.ts";

/** Cog's own classic server (v0.14.12), started by the agent with `--upload-url`. */
const fileModel = {
  model: "cog-file",
  concurrency: 1,
  runtime: { kind: "command" as const, argv: cogClassicArgv("file") },
};

async function storedFile(t: Harness, url: string) {
  const id = /\/v1\/files\/([a-z0-9]{26})\/download/.exec(url)?.[1] ?? "";
  const entry = await t.buckets.files.get(id);
  const record = decode(FileRecord, entry?.value ?? new Uint8Array(), "file");
  const bytes = (await t.buckets.objects.getBlob(id)) ?? new Uint8Array();
  return { id, record, bytes };
}

let t: Harness;
beforeAll(() => {
  assertCogClassicRuns();
});
afterAll(async () => {
  await t?.close();
});

describe("file outputs from Cog's classic server", () => {
  it("are uploaded to the agent, stored as the account's files and answered as signed URLs", async () => {
    t = await startAgent({ maxOutputFileBytes: 4 * 1024 * 1024 });
    const { id } = await t.run({ text: "from cog" }, { ...fileModel, streams: false });
    const rec = await t.finished(id);
    expect(rec.error).toBeNull();
    expect(rec.status).toBe("succeeded");
    const url = rec.output as string;
    expect(url).toMatch(/^http:\/\/api\.test\/v1\/files\/[a-z0-9]{26}\/download\?/);
    const { record, bytes } = await storedFile(t, url);
    expect(Buffer.from(bytes).toString()).toBe("from cog");
    expect(record).toMatchObject({
      account_id: "acct",
      name: "out.txt",
      content_type: "text/plain",
      size: 8,
      metadata: { prediction_id: id },
    });
    expect(record.checksums.sha256).toBe(createHash("sha256").update("from cog").digest("hex"));
  });

  it("larger than a NATS message: streamed to the object store, never inside a message", async () => {
    const size = 3 * 1024 * 1024 + 7;
    const { id } = await t.run({ size }, { ...fileModel, streams: false });
    const rec = await t.finished(id);
    expect(rec.status).toBe("succeeded");
    const { record, bytes } = await storedFile(t, rec.output as string);
    expect(record.size).toBe(size);
    expect(bytes.length).toBe(size);
    expect(Buffer.from(bytes.subarray(0, 19)).toString()).toBe("gantry-file-output\n");
  });

  it("past the configured limit: the upload is refused, no file is kept and none is shown", async () => {
    const before = (await t.buckets.objects.list()).length;
    const { id } = await t.run({ size: 5 * 1024 * 1024 }, { ...fileModel, streams: false });
    const rec = await t.finished(id);
    // Cog fails the prediction with its upload error; once in a full run it ended `succeeded`
    // instead (Cog's own output and done events race inside its server). Either way no file is
    // stored and no file URL reaches the client.
    if (rec.status === "failed") expect(rec.error).toMatch(/upload/i);
    expect(JSON.stringify(rec.output ?? null)).not.toMatch(/\/v1\/files\/|\/upload\//);
    expect((await t.buckets.objects.list()).length).toBe(before);
  });
});
