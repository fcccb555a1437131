import { FileId, FileRecord } from "@gantry/contracts/files";
import { decode } from "@gantry/platform/codec";
import { fileIndexKey, indexFile, unindexFile } from "@gantry/platform/file-index";
import { forgetKey, listKeys } from "@gantry/platform/kv-keys";
import type { Logger } from "@gantry/platform/logger";
import type { KV } from "@nats-io/kv";
import type { ObjectStore } from "@nats-io/obj";

/** A removed file's purge markers are forgotten this long after the removal. */
export const MARKER_TTL_MS = 60 * 60 * 1000;
/**
 * Bytes stored under a file id with no record this long after they were written are an orphan: a
 * writer (the gateway's upload, an agent's output file or an upload no output claimed) died between
 * the bytes and the record. Writers store the record within seconds of the bytes.
 */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;

export interface FileJanitorDeps {
  /** Metadata of uploaded and output files (`files` KV), keyed by file id. */
  files: KV;
  /** Their bytes (`files` object store), under the same name. */
  objects: ObjectStore;
  now: () => Date;
  log: Logger;
}

/**
 * One pass over the `files` bucket: every file whose `expires_at` has passed loses its bytes and
 * then its metadata. Bytes go first, so a crash in between leaves the record for the next pass
 * (nothing is ever left without a record pointing at it), and the account's index entry last.
 * A live record without an index entry (written before the index) gets one, and the markers
 * removals leave are forgotten after {@link MARKER_TTL_MS}. Returns how many files it removed.
 * Several schedulers may sweep at once: both deletions are idempotent.
 */
export async function sweepExpiredFiles(deps: FileJanitorDeps): Promise<number> {
  const t = deps.now().getTime();
  let removed = 0;
  const keys = new Set(await listKeys(deps.files));
  for (const key of keys) {
    const isRecord = FileId.safeParse(key).success;
    if (!isRecord && !key.startsWith("idx.")) continue;
    const entry = await deps.files.get(key);
    if (!entry) continue;
    if (entry.operation !== "PUT") {
      // A removal's marker: kept a while, then forgotten, so the bucket does not grow with every file ever stored.
      if (t - entry.created.getTime() >= MARKER_TTL_MS) await forgetKey(deps.files, key);
      continue;
    }
    if (!isRecord) continue;
    let record: FileRecord;
    try {
      record = decode(FileRecord, entry.value, "file");
    } catch (err) {
      deps.log.warn("unreadable file record left in place", { key, err: String(err) });
      continue;
    }
    if (Date.parse(record.expires_at) > t) {
      // A record from before the per-account index: index it, so its account's listing has it.
      if (!keys.has(fileIndexKey(record.account_id, key))) await indexFile(deps.files, record.account_id, key);
      continue;
    }
    await deps.objects.delete(key).catch(async (err: unknown) => {
      const info = await deps.objects.info(key);
      if (info && !info.deleted) throw err; // still there: not another sweep's deletion
    });
    await deps.files.purge(key);
    await unindexFile(deps.files, record.account_id, key);
    removed++;
  }
  return removed;
}

/**
 * One pass over the object store: bytes under a file id that no `files` record names, written more
 * than `graceMs` ago, are deleted (other objects, such as trained weights, are not files and are
 * left alone). Returns how many it deleted.
 */
export async function sweepOrphanBytes(deps: FileJanitorDeps, graceMs = ORPHAN_GRACE_MS): Promise<number> {
  const before = deps.now().getTime() - graceMs;
  let removed = 0;
  for (const info of await deps.objects.list()) {
    if (info.deleted || !FileId.safeParse(info.name).success || Date.parse(info.mtime) > before) continue;
    const record = await deps.files.get(info.name);
    if (record?.operation === "PUT") continue;
    await deps.objects.delete(info.name).catch(() => undefined);
    removed++;
  }
  return removed;
}

/**
 * Deletes expired files (bytes and metadata) at their `expires_at`, within `intervalMs`: a sweep at
 * start and then every `intervalMs`, and bytes no record names ({@link sweepOrphanBytes}). The
 * state is the `files` bucket itself, so a restart misses nothing. Reads already treat an expired file as missing (the gateway's `FilesService`); this
 * frees the storage.
 */
export function startFileJanitor(deps: FileJanitorDeps & { intervalMs: number }): { stop(): Promise<void> } {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = sweepExpiredFiles(deps).then(
      async (n) => {
        if (n > 0) deps.log.info("expired files removed", { count: n });
        const orphans = await sweepOrphanBytes(deps);
        if (orphans > 0) deps.log.info("orphaned file bytes removed", { count: orphans });
      },
      (err: unknown) => deps.log.warn("file sweep failed; retrying", { err: String(err) }),
    );
    void running.then(() => {
      if (!stopped) timer = setTimeout(tick, deps.intervalMs);
    });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
