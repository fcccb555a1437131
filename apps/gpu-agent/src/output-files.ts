import { createHash } from "node:crypto";
import { FileRecord } from "@gantry/contracts/files";
import { encode } from "@gantry/platform/codec";
import { indexFile } from "@gantry/platform/file-index";
import { randomId } from "@gantry/platform/ids";
import { signedDownloadUrl } from "@gantry/platform/signed-url";
import type { Buckets } from "@gantry/platform/topology";
import { extensionFor, isDataUrl, mapStrings, parseDataUrl, someString } from "./core/data-url.ts";
import type { Upload, Uploads } from "./uploads.ts";

/** What the agent needs to store output files the way the gateway's Files API stores uploads. */
export interface FileStoreDeps {
  objects: Buckets["objects"];
  files: Buckets["files"];
  /** The key signed URLs are made with (the gateways' shared `signingSecret()`). */
  secret: string;
  /** The API's public origin: download URLs point at its `/v1/files/{id}/download`. */
  publicUrl: string;
  /** Files expire, and their URLs stop working, this long after they are stored. */
  retentionMs: number;
  /** Output files must be smaller than this (`GANTRY_MAX_OUTPUT_FILE_BYTES`). */
  maxBytes: number;
  now: () => Date;
}

/** Where the files a prediction's server uploaded (Cog's `--upload-url`) wait to be claimed. */
export interface UploadSource {
  uploads: Uploads;
  /** The instance running the prediction: only its uploads can be claimed. */
  instanceId: string;
}

interface Described {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  md5: string;
}

/**
 * The output files of one prediction. Each `data:` URL in the output becomes a stored file of the
 * prediction's account (bytes in the object store, a `FileRecord` in the `files` bucket, exactly
 * as `POST /v1/files` stores them) and is replaced by a signed download URL that expires with it.
 * Files the server uploaded to the agent (their URLs in the output) are claimed the same way:
 * their bytes are in the object store already. The same URL in later snapshots is stored once.
 */
export class OutputFiles {
  readonly #d: FileStoreDeps;
  readonly #accountId: string;
  readonly #predictionId: string;
  readonly #source: UploadSource | null;
  readonly #stored = new Map<string, Promise<string>>();

  constructor(deps: FileStoreDeps, accountId: string, predictionId: string, source: UploadSource | null = null) {
    this.#d = deps;
    this.#accountId = accountId;
    this.#predictionId = predictionId;
    this.#source = source;
  }

  /** How many files this prediction's output stored (its per-file units). */
  get count(): number {
    return this.#stored.size;
  }

  readonly #isFile = (s: string): boolean => isDataUrl(s) || (this.#source?.uploads.names(s) ?? false);

  /** `output` with its files replaced by download URLs; the same value when it has none. */
  replace(output: unknown): Promise<unknown> {
    if (!someString(output, this.#isFile)) return Promise.resolve(output);
    return mapStrings(output, this.#isFile, (url) => {
      let stored = this.#stored.get(url);
      if (!stored) {
        stored = isDataUrl(url) ? this.#storeDataUrl(url, this.#stored.size) : this.#storeUpload(url);
        this.#stored.set(url, stored);
      }
      return stored;
    });
  }

  /**
   * The file an output URL of the upload endpoint names, made the prediction's: only an upload of
   * the instance that runs it (a URL that names anything else fails the output).
   */
  async #storeUpload(url: string): Promise<string> {
    const upload: Upload | null = this.#source
      ? this.#source.uploads.claim(url, this.#source.instanceId, this.#predictionId)
      : null;
    if (!upload) throw new Error("the model's output names a file its server did not upload for this prediction");
    try {
      return await this.#record(upload.id, upload);
    } catch (err) {
      await this.#d.objects.delete(upload.id).catch(() => undefined);
      throw err;
    }
  }

  async #storeDataUrl(url: string, n: number): Promise<string> {
    const file = parseDataUrl(url);
    if (!file) throw new Error("the model returned a malformed data: URL");
    if (file.bytes.length >= this.#d.maxBytes) {
      throw new Error(`an output file is larger than the limit of ${this.#d.maxBytes} bytes`);
    }
    const id = randomId();
    const md5 = createHash("md5").update(file.bytes).digest("hex");
    await this.#d.objects.putBlob({ name: id }, file.bytes);
    return this.#record(id, {
      name: `out-${n}.${extensionFor(file.contentType)}`,
      contentType: file.contentType,
      size: file.bytes.length,
      sha256: createHash("sha256").update(file.bytes).digest("hex"),
      md5,
    });
  }

  /** The record of a file whose bytes are stored under `id`, and its signed URL; on failure the bytes go. */
  async #record(id: string, file: Described): Promise<string> {
    const now = this.#d.now();
    const expiresAt = new Date(now.getTime() + this.#d.retentionMs);
    const record = FileRecord.parse({
      id,
      account_id: this.#accountId,
      name: file.name,
      content_type: file.contentType,
      size: file.size,
      etag: file.md5,
      checksums: { sha256: file.sha256, md5: file.md5 },
      metadata: { prediction_id: this.#predictionId },
      created_at: now.toISOString(),
      expires_at: expiresAt.toISOString(),
    });
    try {
      await indexFile(this.#d.files, this.#accountId, id); // first: a dangling entry is skipped
      await this.#d.files.create(id, encode(record));
    } catch (err) {
      await this.#d.objects.delete(id).catch(() => undefined);
      throw err;
    }
    // Rounded down: the URL never outlives the file.
    const expiry = Math.floor(expiresAt.getTime() / 1000);
    return signedDownloadUrl(this.#d.publicUrl, this.#accountId, id, expiry, this.#d.secret);
  }
}
