import { FileRecord } from "@gantry/contracts/files";
import { encode } from "@gantry/platform/codec";
import { fileIndexKey, indexFile } from "@gantry/platform/file-index";
import { silentLogger } from "@gantry/platform/logger";
import { ensureTopology, openTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import type { GatewayDeps } from "../../src/deps.ts";
import { FilesService } from "../../src/files-service.ts";

const NOW = Date.parse("2026-01-01T00:00:00Z");
let seq = 0;
const fileId = () => `f${String(seq++).padStart(25, "0")}`;
const record = (id: string, account: string): FileRecord =>
  FileRecord.parse({
    id,
    account_id: account,
    name: "a.txt",
    content_type: "text/plain",
    size: 1,
    etag: "0".repeat(32),
    checksums: { sha256: "0".repeat(64), md5: "0".repeat(32) },
    metadata: {},
    created_at: new Date(NOW).toISOString(),
    expires_at: new Date(NOW + 3600_000).toISOString(),
  });

describe("GET /v1/files (FilesService.list)", () => {
  it("reads only the caller's keys, however many files other accounts have", async () => {
    await using nats = await startNatsServer();
    const op = await connect(nats.connectOptions("operator"));
    const seeded = await ensureTopology(op);
    // 500 other accounts' files, one each, stored as the gateway and the agent store them.
    for (let i = 0; i < 500; i++) {
      const id = fileId();
      await indexFile(seeded.files, `other${i}`, id);
      await seeded.files.create(id, encode(record(id, `other${i}`)));
    }
    const mine = [fileId(), fileId()];
    for (const id of mine) {
      await indexFile(seeded.files, "me", id);
      await seeded.files.create(id, encode(record(id, "me")));
    }

    const nc = await connect(nats.connectOptions("gateway"));
    const buckets = await openTopology(nc, { identity: "gateway" });
    // Every key the service reads from the bucket.
    let read: string[] = [];
    const get = buckets.files.get.bind(buckets.files);
    buckets.files.get = (...args: Parameters<typeof get>) => {
      read.push(args[0]);
      return get(...args);
    };
    const deps = {
      nc,
      buckets,
      now: () => new Date(NOW),
      newId: fileId,
      newToken: () => "t",
      signingSecret: "s".repeat(32),
      log: silentLogger,
    } satisfies GatewayDeps;
    const files = new FilesService(deps);

    // One uploaded through the API: it is indexed as it is created.
    const form = new FormData();
    form.set("content", new Blob(["hello"], { type: "text/plain" }), "hello.txt");
    const uploaded = await files.create("me", new Request("http://gw/v1/files", { method: "POST", body: form }));
    expect((await seeded.files.get(fileIndexKey("me", uploaded.id)))?.operation).toBe("PUT");

    // One taken out of a prediction's input (a large data URL): indexed as it is created too.
    const fromInput = await files.createFromBytes("me", {
      id: fileId(),
      name: "input.bin",
      contentType: "application/octet-stream",
      bytes: new Uint8Array([1, 2, 3]),
    });
    expect((await seeded.files.get(fileIndexKey("me", fromInput.id)))?.operation).toBe("PUT");
    mine.push(fromInput.id);

    read = [];
    const listed = await files.list("me");
    expect(listed.map((f) => f.id).sort()).toEqual([...mine, uploaded.id].sort());
    expect(read.sort()).toEqual([...mine, uploaded.id].sort()); // the caller's four records, none of the other 500

    // Deleting a file takes it out of the index too.
    await files.delete("me", mine[0]!);
    expect((await seeded.files.get(fileIndexKey("me", mine[0]!)))?.operation).not.toBe("PUT");
    read = [];
    expect((await files.list("me")).map((f) => f.id).sort()).toEqual([mine[1], fromInput.id, uploaded.id].sort());
    // At most the caller's keys (a removed file's entry may still be listed, then read as gone).
    for (const key of read) expect([...mine, uploaded.id]).toContain(key);
    expect(await files.list("other7")).toHaveLength(1);
    expect(nats.violations()).toEqual([]);
    await nc.close();
    await op.close();
  }, 60_000);
});
