import { createHash } from "node:crypto";
import { FileRecord, MAX_FILE_BYTES } from "@gantry/contracts/files";
import { encode } from "@gantry/platform/codec";
import { indexFile } from "@gantry/platform/file-index";
import { randomId } from "@gantry/platform/ids";
import { signedDownloadUrl } from "@gantry/platform/signed-url";
import type { Buckets } from "@gantry/platform/topology";
import { extensionFor, hasDataUrl, mapDataUrls, parseDataUrl } from "./core/data-url.ts";

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
  now: () => Date;
}

/**
 * The output files of one prediction. Each `data:` URL in the output becomes a stored file of the
 * prediction's account (bytes in the object store, a `FileRecord` in the `files` bucket, exactly
 * as `POST /v1/files` stores them) and is replaced by a signed download URL that expires with it.
 * The same data URL in later snapshots is stored once.
 */
export class OutputFiles {
  readonly #d: FileStoreDeps;
  readonly #accountId: string;
  readonly #predictionId: string;
  readonly #stored = new Map<string, Promise<string>>();

  constructor(deps: FileStoreDeps, accountId: string, predictionId: string) {
    this.#d = deps;
    this.#accountId = accountId;
    this.#predictionId = predictionId;
  }

  /** `output` with its data URLs replaced by download URLs; the same value when it has none. */
  replace(output: unknown): Promise<unknown> {
    if (!hasDataUrl(output)) return Promise.resolve(output);
    return mapDataUrls(output, (url) => {
      let stored = this.#stored.get(url);
      if (!stored) {
        stored = this.#store(url, this.#stored.size);
        this.#stored.set(url, stored);
      }
      return stored;
    });
  }

  async #store(url: string, n: number): Promise<string> {
    const file = parseDataUrl(url);
    if (!file) throw new Error("the model returned a malformed data: URL");
    if (file.bytes.length >= MAX_FILE_BYTES) throw new Error("an output file is larger than 100 MB");
    const id = randomId();
    const now = this.#d.now();
    const expiresAt = new Date(now.getTime() + this.#d.retentionMs);
    const md5 = createHash("md5").update(file.bytes).digest("hex");
    const record = FileRecord.parse({
      id,
      account_id: this.#accountId,
      name: `out-${n}.${extensionFor(file.contentType)}`,
      content_type: file.contentType,
      size: file.bytes.length,
      etag: md5,
      checksums: { sha256: createHash("sha256").update(file.bytes).digest("hex"), md5 },
      metadata: { prediction_id: this.#predictionId },
      created_at: now.toISOString(),
      expires_at: expiresAt.toISOString(),
    });
    await this.#d.objects.putBlob({ name: id }, file.bytes);
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
