import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Trained weights served to the model servers of this host: Cog reads `COG_WEIGHTS` as a URL
 * (`http`, `https` or `data`; a plain path fails its setup), so each instance that starts from
 * weights gets `GET {origin}/weights/{instance}/{tag}/weights`, streaming the agent's cached copy.
 * The tag is an HMAC of the instance id under a key only this process knows.
 */
export class WeightsEndpoint {
  readonly #key = randomBytes(32);
  readonly #files = new Map<string, string>();

  #tag(instanceId: string): string {
    return createHmac("sha256", this.#key).update(`weights:${instanceId}`).digest("base64url");
  }

  /** The URL an instance reads `file` at (until {@link forget}). */
  url(origin: string, instanceId: string, file: string): string {
    this.#files.set(instanceId, file);
    return `${origin.replace(/\/$/, "")}/weights/${instanceId}/${this.#tag(instanceId)}/weights`;
  }

  forget(instanceId: string): void {
    this.#files.delete(instanceId);
  }

  /** `GET /weights/{instance}/{tag}/weights`: the file, or 404. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const m = /^\/weights\/([A-Za-z0-9._-]{1,128})\/([A-Za-z0-9_-]{43})\/weights$/.exec(req.url ?? "");
    const id = m?.[1] ?? "";
    const want = Buffer.from(this.#tag(id));
    const got = Buffer.from(m?.[2] ?? "");
    const file = this.#files.get(id);
    if (!m || !file || got.length !== want.length || !timingSafeEqual(got, want)) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    try {
      const { size } = await stat(file);
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": size });
      if (req.method === "HEAD") {
        res.end();
        return;
      }
      const stream = createReadStream(file);
      stream.on("error", () => res.destroy());
      stream.pipe(res);
    } catch {
      if (!res.headersSent) res.writeHead(404).end();
    }
  }
}
