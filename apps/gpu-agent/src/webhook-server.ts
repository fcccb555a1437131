import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { LRUCache } from "lru-cache";

/** A webhook body larger than this is refused (outputs that large travel as files). */
export const MAX_WEBHOOK_BYTES = 64 * 1024 * 1024;

/**
 * The agent's HTTP listener for model-server webhooks (and, under `/upload/` and `/weights/`,
 * their output files and trained weights): `POST /webhooks/{prediction_id}/{tag}`,
 * where the tag is an HMAC of the id under a key only this process knows: another local process
 * or another tenant's container that learns a prediction id still cannot speak for it. It
 * answers at once; the body is handed over as parsed JSON.
 */
export async function startWebhookServer(
  port: number,
  onWebhook: (predictionId: string, body: unknown) => void,
  options: {
    containerHostIp?: string;
    /** Requests under `/upload/`: model servers' output files (`Uploads.handle`). */
    onUpload?: (req: IncomingMessage, res: ServerResponse) => void;
    /** Requests under `/weights/`: trained weights for model servers (`WeightsEndpoint.handle`). */
    onWeights?: (req: IncomingMessage, res: ServerResponse) => void;
  } = {},
): Promise<{ server: Server; url: (predictionId: string) => string; origin: string }> {
  const key = randomBytes(32);
  const hmac = (id: string) => createHmac("sha256", key).update(id).digest("base64url");
  // The tags this process handed out lately: a prediction's webhooks are checked against its tag
  // without a new HMAC each (one costs more than the rest of the check). Only handed-out tags are
  // kept, so requests with made-up ids cannot fill it.
  const issued = new LRUCache<string, string>({ max: 10_000 });
  const tagOf = (id: string) => issued.get(id) ?? hmac(id);
  const issue = (id: string) => {
    const tag = tagOf(id);
    issued.set(id, tag);
    return tag;
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (options.onUpload && req.url?.startsWith("/upload/")) {
      options.onUpload(req, res);
      return;
    }
    if (options.onWeights && req.url?.startsWith("/weights/")) {
      options.onWeights(req, res);
      return;
    }
    const m = /^\/webhooks\/([a-z0-9]+)\/([A-Za-z0-9_-]{43})$/.exec(req.url ?? "");
    const id = m?.[1];
    if (req.method !== "POST" || !id || !timingSafeEqual(Buffer.from(m[2] ?? ""), Buffer.from(tagOf(id)))) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("error", () => {});
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_WEBHOOK_BYTES) {
        res.writeHead(413, { connection: "close" }).end();
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
      try {
        onWebhook(id, JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch {
        // not JSON: nothing to learn from it
      }
    });
  };
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actual = (server.address() as AddressInfo).port;
  // Model servers in containers (bridge network) reach the host at the bridge's gateway address,
  // on the same port; best effort: a host without Docker has no such address.
  if (options.containerHostIp) {
    const bridge = createServer(handler);
    bridge.once("error", () => bridge.close());
    bridge.listen(actual, options.containerHostIp);
    server.once("close", () => bridge.close());
  }
  const origin = `http://127.0.0.1:${actual}`;
  return { server, url: (id) => `${origin}/webhooks/${id}/${issue(id)}`, origin };
}
