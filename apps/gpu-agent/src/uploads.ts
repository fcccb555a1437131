import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomId } from "@gantry/platform/ids";
import type { Logger } from "@gantry/platform/logger";
import { putStream, type StoredObject } from "@gantry/platform/object-upload";
import type { Buckets } from "@gantry/platform/topology";
import { parseUploadPath, parseUploadUrl, uploadBase, uploadLocation } from "./core/upload-url.ts";

/** A model server's output file, stored and waiting for the output that names it. */
export interface Upload extends StoredObject {
  /** Its object's name in the object store (a file id). */
  id: string;
  instanceId: string;
  /** The prediction the server said it belongs to (Cog's `X-Prediction-ID`); null when not said. */
  predictionId: string | null;
  name: string;
  contentType: string;
  at: number;
}

export interface UploadsOptions {
  objects: Buckets["objects"];
  /** Files must be smaller than this (`GANTRY_MAX_OUTPUT_FILE_BYTES`). */
  maxBytes: number;
  /** Whether an instance of this agent with this id is running (uploads of others are refused). */
  isLive: (instanceId: string) => boolean;
  now: () => Date;
  log: Logger;
}

class TooLarge extends Error {}

/**
 * The agent's upload endpoint (Cog's `--upload-url`, reference §2.4): model servers PUT their
 * output files here, the bytes stream into the object store (never held whole), and the answer's
 * `Location` is the URL Cog puts in the output. When a snapshot names that URL, the run
 * {@link claim}s the upload and stores it as a file of the prediction's account. Uploads nobody
 * claims are deleted by {@link sweep}. Bases are per instance and tagged with an HMAC only this
 * process can make; files are namespaced by a fresh id, so two predictions' `out.png` never meet.
 */
export class Uploads {
  readonly #o: UploadsOptions;
  readonly #key = randomBytes(32);
  readonly #pending = new Map<string, Upload>();
  /** Claimed uploads, still readable by {@link peek} for a while (their bytes are the claimant's file now). */
  readonly #claimed = new Map<string, Upload>();
  /** `{instance}/{name}` → the latest upload of that name (for servers that ignore `Location`). */
  readonly #latest = new Map<string, string>();

  constructor(options: UploadsOptions) {
    this.#o = options;
  }

  #tag(instanceId: string): string {
    return createHmac("sha256", this.#key).update(`upload:${instanceId}`).digest("base64url");
  }

  #tagged(instanceId: string, tag: string): boolean {
    const want = Buffer.from(this.#tag(instanceId));
    const got = Buffer.from(tag);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  /** The `--upload-url` of an instance, on `origin` (the agent as that server reaches it). */
  base(origin: string, instanceId: string): string {
    return uploadBase(origin, instanceId, this.#tag(instanceId));
  }

  /** How many uploads wait for a claim (for tests and diagnostics). */
  get pending(): number {
    return this.#pending.size;
  }

  /** `PUT /upload/{instance}/{tag}/{name}`: answers 201 with `Location`, 404, 405, 413 or 500. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.on("error", () => {});
    const path = parseUploadPath((req.url ?? "").split("?")[0] ?? "");
    if (!path || path.id || !this.#tagged(path.instanceId, path.tag) || !this.#o.isLive(path.instanceId)) {
      res.writeHead(404, { connection: "close" }).end();
      req.destroy();
      return;
    }
    if (req.method !== "PUT") {
      res.writeHead(405, { allow: "PUT", connection: "close" }).end();
      req.destroy();
      return;
    }
    const tooLarge = () => {
      res.writeHead(413, { connection: "close" }).end(`Output files must be smaller than ${this.#o.maxBytes} bytes.`);
      req.destroy();
    };
    const length = Number(req.headers["content-length"] ?? 0);
    if (length >= this.#o.maxBytes) return tooLarge();
    const id = randomId();
    let stored: StoredObject;
    try {
      stored = await putStream(this.#o.objects, id, req, this.#o.maxBytes, () => new TooLarge());
    } catch (err) {
      if (err instanceof TooLarge) return tooLarge();
      this.#o.log.warn("output file upload failed", { instance: path.instanceId, err: String(err) });
      if (!res.headersSent) res.writeHead(500, { connection: "close" }).end();
      return;
    }
    const header = req.headers["x-prediction-id"];
    const upload: Upload = {
      ...stored,
      id,
      instanceId: path.instanceId,
      predictionId: typeof header === "string" && header !== "" ? header : null,
      name: path.name,
      contentType: contentTypeOf(req.headers["content-type"]),
      at: this.#o.now().getTime(),
    };
    this.#pending.set(id, upload);
    this.#latest.set(`${path.instanceId}/${path.name}`, id);
    const base = this.base(`http://${req.headers.host ?? "127.0.0.1"}`, path.instanceId);
    res.writeHead(201, { location: uploadLocation(base, id, path.name), "content-type": "application/json" });
    res.end("{}");
  }

  /** Whether `value` is a URL of this endpoint (stored or not). */
  names(value: string): boolean {
    const path = parseUploadUrl(value);
    return path !== null && this.#tagged(path.instanceId, path.tag);
  }

  /**
   * The upload an output URL names, pending or claimed by `predictionId`: only when it came from
   * `instanceId`, and, when its server said which prediction it belongs to, from `predictionId`
   * (a trainer's weights are read after an earlier snapshot claimed them as an output file).
   */
  peek(url: string, instanceId: string, predictionId: string): Upload | null {
    const path = parseUploadUrl(url);
    if (!path || path.instanceId !== instanceId || !this.#tagged(path.instanceId, path.tag)) return null;
    const claimed = path.id ? this.#claimed.get(path.id) : undefined;
    if (claimed) return claimed.instanceId === instanceId && claimed.predictionId === predictionId ? claimed : null;
    const id = path.id ?? this.#latest.get(`${instanceId}/${path.name}`);
    const upload = id ? this.#pending.get(id) : undefined;
    if (!upload || upload.instanceId !== instanceId) return null;
    if (upload.predictionId !== null && upload.predictionId !== predictionId) return null;
    return upload;
  }

  /** The pending upload an output URL names ({@link peek}'s rules), now `predictionId`'s: the caller owns its bytes. */
  claim(url: string, instanceId: string, predictionId: string): Upload | null {
    const upload = this.peek(url, instanceId, predictionId);
    if (!upload || !this.#pending.has(upload.id)) return null;
    this.#pending.delete(upload.id);
    this.#claimed.set(upload.id, { ...upload, predictionId, at: this.#o.now().getTime() });
    const key = `${instanceId}/${upload.name}`;
    if (this.#latest.get(key) === upload.id) this.#latest.delete(key);
    return upload;
  }

  /** Deletes the bytes of uploads no output claimed within `maxAgeMs` (and forgets older claims). */
  async sweep(maxAgeMs: number): Promise<number> {
    const before = this.#o.now().getTime() - maxAgeMs;
    for (const [id, upload] of this.#claimed) if (upload.at <= before) this.#claimed.delete(id);
    let n = 0;
    for (const upload of [...this.#pending.values()]) {
      if (upload.at > before) continue;
      this.#pending.delete(upload.id);
      if (this.#latest.get(`${upload.instanceId}/${upload.name}`) === upload.id) {
        this.#latest.delete(`${upload.instanceId}/${upload.name}`);
      }
      await this.#o.objects.delete(upload.id).catch(() => undefined);
      n++;
    }
    return n;
  }
}

/** The media type a server sent (Python's `requests` omits it when it cannot guess). */
function contentTypeOf(header: string | undefined): string {
  const t = header?.trim().toLowerCase();
  return t && /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+/.test(t) ? t.slice(0, 200) : "application/octet-stream";
}
