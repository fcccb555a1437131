import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The agent's HTTP listener for model-server webhooks: `POST /webhooks/{prediction_id}`.
 * It answers at once; the body is handed over as parsed JSON.
 */
export async function startWebhookServer(
  port: number,
  onWebhook: (predictionId: string, body: unknown) => void,
): Promise<{ server: Server; url: (predictionId: string) => string }> {
  const server = createServer((req, res) => {
    const m = /^\/webhooks\/([a-z0-9]+)$/.exec(req.url ?? "");
    if (req.method !== "POST" || !m?.[1]) {
      res.writeHead(404).end();
      return;
    }
    const id = m[1];
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
      try {
        onWebhook(id, JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch {
        // not JSON: nothing to learn from it
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actual = (server.address() as AddressInfo).port;
  return { server, url: (id) => `http://127.0.0.1:${actual}/webhooks/${id}` };
}
