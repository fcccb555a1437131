import { FileRecord } from "@gantry/contracts/files";
import { encode } from "@gantry/platform/codec";
import { fileIndexKey, indexFile } from "@gantry/platform/file-index";
import { listKeys } from "@gantry/platform/kv-keys";
import { silentLogger } from "@gantry/platform/logger";
import { ensureTopology, openTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import {
  MARKER_TTL_MS,
  ORPHAN_GRACE_MS,
  startFileJanitor,
  sweepExpiredFiles,
  sweepOrphanBytes,
} from "../../src/file-janitor.ts";

const T0 = Date.parse("2026-01-01T00:00:00Z");

const file = (id: string, expiresAt: number): FileRecord =>
  FileRecord.parse({
    id,
    account_id: "acct",
    name: "a.txt",
    content_type: "text/plain",
    size: 5,
    etag: "e",
    checksums: { sha256: "0".repeat(64), md5: "0".repeat(32) },
    metadata: {},
    created_at: new Date(T0).toISOString(),
    expires_at: new Date(expiresAt).toISOString(),
  });

async function until(check: () => Promise<boolean>, what: string, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("the file janitor", () => {
  it("deletes an expired file's metadata and bytes at its expiry, as the scheduler identity, and nothing else", async () => {
    await using nats = await startNatsServer();
    const op = await connect(nats.connectOptions("operator"));
    const admin = await ensureTopology(op);
    const expiring = "expiring000000000000000000";
    const lasting = "lasting0000000000000000000";
    for (const [id, exp] of [
      [expiring, T0 + 1000],
      [lasting, T0 + 24 * 3600_000],
    ] as const) {
      await admin.objects.putBlob({ name: id }, new TextEncoder().encode("hello"));
      await admin.files.create(id, encode(file(id, exp)));
    }
    // `expiring` is indexed for its account; `lasting` was stored before the index existed.
    await indexFile(admin.files, "acct", expiring);
    // Not files: a trained version's weights and a key no file can have stay untouched.
    await admin.objects.putBlob({ name: "weights/v1" }, new TextEncoder().encode("w"));

    const nc = await connect(nats.connectOptions("scheduler"));
    const buckets = await openTopology(nc, { identity: "scheduler" });
    let now = T0;
    const janitor = startFileJanitor({
      files: buckets.files,
      objects: buckets.objects,
      now: () => new Date(now),
      log: silentLogger,
      intervalMs: 50,
    });
    try {
      // Before its expiry, a few sweeps keep it.
      expect(await sweepExpiredFiles({ ...buckets, now: () => new Date(T0 + 999), log: silentLogger })).toBe(0);
      expect((await admin.files.get(expiring))?.operation).toBe("PUT");

      now = T0 + 1000;
      // Its index entry goes last: once it is gone, so are the record and the bytes.
      await until(
        async () => (await admin.files.get(fileIndexKey("acct", expiring)))?.operation !== "PUT",
        "the expired file to go",
      );
      expect((await admin.files.get(expiring))?.operation).not.toBe("PUT");
      expect((await admin.objects.info(expiring))?.deleted).toBe(true);
      expect((await admin.files.get(lasting))?.operation).toBe("PUT");
      expect((await admin.objects.info(lasting))?.deleted).toBe(false);
      expect((await admin.objects.info("weights/v1"))?.deleted).toBe(false);
      // A second pass finds nothing left to do.
      expect(await sweepExpiredFiles({ ...buckets, now: () => new Date(now), log: silentLogger })).toBe(0);
      // The record from before the index is in its account's index now.
      expect((await admin.files.get(fileIndexKey("acct", lasting)))?.operation).toBe("PUT");
    } finally {
      await janitor.stop();
    }
    // Removals leave purge markers, listed as keys; an hour on, the janitor forgets them all.
    expect(await listKeys(buckets.files)).toContain(expiring);
    const later = () => new Date(Date.now() + MARKER_TTL_MS);
    expect(await sweepExpiredFiles({ ...buckets, now: later, log: silentLogger })).toBe(1); // `lasting`, by then
    expect(await sweepExpiredFiles({ ...buckets, now: later, log: silentLogger })).toBe(0);
    expect(await listKeys(buckets.files)).toEqual([]);
    expect(nats.violations()).toEqual([]);
    await nc.close();
    await op.close();
  }, 30_000);

  it("finishes what a crash left: a record whose bytes are already gone is removed", async () => {
    await using nats = await startNatsServer();
    const op = await connect(nats.connectOptions("operator"));
    const buckets = await ensureTopology(op);
    const id = "halfgone000000000000000000";
    await buckets.files.create(id, encode(file(id, T0)));
    const removed = await sweepExpiredFiles({ ...buckets, now: () => new Date(T0 + 1), log: silentLogger });
    expect(removed).toBe(1);
    expect((await buckets.files.get(id))?.operation).not.toBe("PUT");
    await op.close();
  }, 30_000);

  it("deletes bytes no record names once they are old enough, and nothing that is not a file", async () => {
    await using nats = await startNatsServer();
    const op = await connect(nats.connectOptions("operator"));
    const admin = await ensureTopology(op);
    const orphan = "orphan00000000000000000000";
    const kept = "kept000000000000000000000a";
    const bytes = new TextEncoder().encode("x");
    for (const name of [orphan, kept, "weights/v1"]) await admin.objects.putBlob({ name }, bytes);
    await admin.files.create(kept, encode(file(kept, Date.now() + 3600_000)));

    const nc = await connect(nats.connectOptions("scheduler"));
    const buckets = await openTopology(nc, { identity: "scheduler" });
    const deps = { files: buckets.files, objects: buckets.objects, log: silentLogger };
    // Young orphans may still be getting their record: left alone.
    expect(await sweepOrphanBytes({ ...deps, now: () => new Date() })).toBe(0);
    expect(await sweepOrphanBytes({ ...deps, now: () => new Date(Date.now() + ORPHAN_GRACE_MS + 1000) })).toBe(1);
    const names = (await buckets.objects.list()).filter((o) => !o.deleted).map((o) => o.name);
    expect(names.sort()).toEqual([kept, "weights/v1"].sort());
    await nc.close();
    await op.close();
  });
});
