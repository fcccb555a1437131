import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The agent's HTTP listener for model-server webhooks: `POST /webhooks/{prediction_id}`.
 * It answers at once; the body is handed over as parsed JSON.
 */
export async function startWebhookServer(
  port: number,
  onWebhook: (predictionId: string, body: unknown) => void,
  options: { containerHostIp?: string } = {},
): Promise<{ server: Server; url: (predictionId: string) => string }> {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
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
  return { server, url: (id) => `http://127.0.0.1:${actual}/webhooks/${id}` };
}
