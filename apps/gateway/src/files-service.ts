import { AppError } from "@gantry/contracts/errors";
import {
  FILE_NOT_FOUND_DETAIL,
  FILE_TOO_LARGE_DETAIL,
  FILE_TTL_MS,
  FileId,
  type FileObject,
  FileRecord,
  MAX_FILE_BYTES,
} from "@gantry/contracts/files";
import { decode, encode } from "@gantry/platform/codec";
import { indexedFileIds, indexFile, unindexFile } from "@gantry/platform/file-index";
import { putStream, type StoredObject } from "@gantry/platform/object-upload";
import { type DownloadGrant, signedDownloadUrl, verifyDownload } from "@gantry/platform/signed-url";
import { downloadHeaders } from "./core/content-safety.ts";
import { multipartBoundary, readMultipart } from "./core/multipart.ts";
import { type FormFields, readFormFields } from "./core/multipart-form.ts";
import type { GatewayDeps } from "./deps.ts";
import type { FileLookup } from "./file-inputs.ts";

/** Room for the multipart framing and the small fields around the file. */
export const MAX_FORM_OVERHEAD_BYTES = 1024 * 1024;
/** Signed URLs handed to agents for file inputs stay valid this long. */
export const INPUT_URL_TTL_S = 24 * 60 * 60;

export const fileTooLarge = () => new AppError("PAYLOAD_TOO_LARGE", FILE_TOO_LARGE_DETAIL);
const notFound = () => new AppError("NOT_FOUND", FILE_NOT_FOUND_DETAIL);

/** The public file object (reference §7.1). */
export function renderFile(record: FileRecord, baseUrl: string): FileObject {
  const { account_id: _account, ...rest } = record;
  return { ...rest, urls: { get: `${baseUrl}/v1/files/${record.id}` } };
}

/** Reads a request body, refusing it (413) once it is larger than any acceptable upload. */
async function* limited(body: ReadableStream<Uint8Array>, max: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      total += value.length;
      if (total > max) throw fileTooLarge();
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Uploaded files: bytes in the `files` object store, metadata in the `files` KV bucket. */
export class FilesService implements FileLookup {
  readonly #d: GatewayDeps;

  constructor(deps: GatewayDeps) {
    this.#d = deps;
  }

  /**
   * `POST /v1/files`: streams the `content` part into the object store (never holding more than a
   * chunk of it), hashing it on the way, and stores the record once every part is read.
   */
  async create(accountId: string, req: Request): Promise<FileRecord> {
    const boundary = multipartBoundary(req.headers.get("content-type") ?? undefined);
    if (!boundary) {
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Upload files as multipart/form-data with a content part.");
    }
    const maxBody = MAX_FILE_BYTES + MAX_FORM_OVERHEAD_BYTES;
    const length = req.headers.get("content-length");
    if (length !== null && Number(length) > maxBody) throw fileTooLarge();
    if (!req.body) throw new AppError("UNPROCESSABLE", "content is required", { title: "Validation failed" });

    const id = this.#d.newId();
    const events = readMultipart(limited(req.body, maxBody), boundary);
    let form: FormFields;
    try {
      form = await readFormFields(events, (content) => this.#store(id, content));
    } catch (err) {
      await this.#d.buckets.objects.delete(id).catch(() => undefined);
      throw err;
    }
    const now = this.#d.now();
    const record: FileRecord = {
      id,
      account_id: accountId,
      name: form.name,
      content_type: form.contentType,
      size: form.size,
      etag: form.md5,
      checksums: { sha256: form.sha256, md5: form.md5 },
      metadata: form.metadata,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + FILE_TTL_MS).toISOString(),
    };
    try {
      await indexFile(this.#d.buckets.files, accountId, id); // first: a dangling entry is skipped
      await this.#d.buckets.files.create(id, encode(FileRecord.parse(record)));
    } catch (err) {
      await this.#d.buckets.objects.delete(id).catch(() => undefined);
      throw err;
    }
    return record;
  }

  /**
   * Stores bytes the gateway took out of a prediction's input (a large data URL) as a file of the
   * caller under `id`: the same object store, record and retention as an upload.
   */
  async createFromBytes(
    accountId: string,
    f: { id: string; name: string; contentType: string; bytes: Uint8Array },
  ): Promise<FileRecord> {
    if (f.bytes.length >= MAX_FILE_BYTES) throw fileTooLarge();
    const stored = await this.#store(
      f.id,
      (async function* () {
        yield f.bytes;
      })(),
    );
    const now = this.#d.now();
    const record: FileRecord = {
      id: f.id,
      account_id: accountId,
      name: f.name,
      content_type: f.contentType,
      size: stored.size,
      etag: stored.md5,
      checksums: { sha256: stored.sha256, md5: stored.md5 },
      metadata: {},
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + FILE_TTL_MS).toISOString(),
    };
    try {
      await indexFile(this.#d.buckets.files, accountId, f.id); // first: a dangling entry is skipped
      await this.#d.buckets.files.create(f.id, encode(FileRecord.parse(record)));
    } catch (err) {
      await this.#d.buckets.objects.delete(f.id).catch(() => undefined);
      throw err;
    }
    return record;
  }

  /** Streams one part's bytes into the object store; resolves with their size and checksums. */
  #store(id: string, content: AsyncIterable<Uint8Array>): Promise<StoredObject> {
    return putStream(this.#d.buckets.objects, id, content, MAX_FILE_BYTES, fileTooLarge);
  }

  /** A live file's record; an expired one is removed and reads as missing. */
  async #live(id: string): Promise<FileRecord | null> {
    if (!FileId.safeParse(id).success) return null;
    const entry = await this.#d.buckets.files.get(id);
    if (entry?.operation !== "PUT") return null;
    const record = decode(FileRecord, entry.value, "file");
    if (Date.parse(record.expires_at) > this.#d.now().getTime()) return record;
    await this.#remove(record);
    return null;
  }

  async #remove(record: FileRecord): Promise<void> {
    await this.#d.buckets.objects.delete(record.id).catch(() => undefined);
    await this.#d.buckets.files.purge(record.id);
    await unindexFile(this.#d.buckets.files, record.account_id, record.id);
  }

  /** The caller's file; another account's answers 404 exactly like a missing one. */
  async get(accountId: string, id: string): Promise<FileRecord> {
    const record = await this.#live(id);
    if (!record || record.account_id !== accountId) throw notFound();
    return record;
  }

  /** Every live file of the account, in no particular order: read from its index, never others' keys. */
  async list(accountId: string): Promise<FileRecord[]> {
    const ids = await indexedFileIds(this.#d.buckets.files, accountId);
    const out: FileRecord[] = [];
    for (let i = 0; i < ids.length; i += 64) {
      const batch = await Promise.all(ids.slice(i, i + 64).map((id) => this.#live(id)));
      for (const r of batch) if (r && r.account_id === accountId) out.push(r);
    }
    return out;
  }

  async delete(accountId: string, id: string): Promise<void> {
    await this.#remove(await this.get(accountId, id));
  }

  /**
   * `GET /v1/files/{id}/download`: the bytes, for a valid unexpired grant; anything else is a 404.
   * Served so that nothing in them runs on the gateway's origin (core/content-safety.ts).
   */
  async download(id: string, grant: DownloadGrant | null): Promise<Response> {
    if (!grant || grant.expiry * 1000 < this.#d.now().getTime()) throw notFound();
    if (!(await verifyDownload(this.#d.signingSecret, grant.owner, id, grant.expiry, grant.signature))) {
      throw notFound();
    }
    const record = await this.#live(id);
    if (!record || record.account_id !== grant.owner) throw notFound();
    const object = await this.#d.buckets.objects.get(id);
    if (!object) throw notFound();
    object.error.then(
      (err) => err && this.#d.log.warn("file download failed", { id, err: String(err) }),
      (err: unknown) => this.#d.log.warn("file download failed", { id, err: String(err) }),
    );
    return new Response(object.data, {
      headers: {
        ...downloadHeaders(record.content_type, record.name),
        "content-length": String(record.size),
        etag: `"${record.etag}"`,
        "cache-control": "private, max-age=3600",
      },
    });
  }

  async ownerOf(id: string): Promise<string | null> {
    return (await this.#live(id))?.account_id ?? null;
  }

  signedUrl(baseUrl: string, owner: string, id: string): Promise<string> {
    const expiry = Math.floor(this.#d.now().getTime() / 1000) + INPUT_URL_TTL_S;
    return signedDownloadUrl(baseUrl, owner, id, expiry, this.#d.signingSecret);
  }
}
