import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A real HTTP receiver on loopback that records every delivery; the first `failures` get 500. */
export async function startReceiver(failures = 0) {
  const received: Received[] = [];
  let left = failures;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
      if (left > 0) {
        left--;
        res.writeHead(500).end("try again");
      } else res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?source=test`;
  return {
    url,
    received,
    async until(pred: (r: Received[]) => boolean, ms = 20_000) {
      const deadline = Date.now() + ms;
      while (!pred(received)) {
        if (Date.now() > deadline) throw new Error(`receiver saw ${received.length} deliveries`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
