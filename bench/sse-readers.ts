import { request } from "node:http";
import WebSocket from "ws";

/**
 * Child process: `readers` readers on the given stream URLs, over SSE (node:http, minimal parsing)
 * or each on its own WebSocket (`/v1/ws`, one subscription), so the client's own work runs beside,
 * not inside, the baseline subscriber's event loop. Posts back the stream sequence and receipt
 * time of every output event.
 */
const { urls, readers, via } = await new Promise<{ urls: string[]; readers: number; via: "sse" | "ws" }>((resolve) =>
  process.once("message", (m) => resolve(m as { urls: string[]; readers: number; via: "sse" | "ws" })),
);
const now = () => performance.timeOrigin + performance.now();
const seqs: number[] = [];
const times: number[] = [];

function read(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: "text/event-stream" } }, (res) => {
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        const at = now();
        buffer += chunk;
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith("event: output")) {
            const i = block.lastIndexOf("\nid: ");
            seqs.push(Number(block.slice(i + 5)));
            times.push(at);
          } else if (block.startsWith("event: done")) {
            req.destroy();
            resolve();
            return;
          }
          end = buffer.indexOf("\n\n");
        }
      });
      res.on("end", () => resolve());
    });
    req.on("error", reject);
    req.end();
  });
}

function readWs(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${new URL(url).origin.replace(/^http/, "ws")}/v1/ws`);
    ws.on("open", () => ws.send(JSON.stringify({ type: "subscribe", stream: url })));
    ws.on("message", (data) => {
      const at = now();
      const msg = JSON.parse(String(data)) as { type: string; event?: string; id?: string };
      if (msg.type !== "event") return;
      if (msg.event === "output") {
        seqs.push(Number(msg.id));
        times.push(at);
      } else if (msg.event === "done") {
        ws.close();
        resolve();
      }
    });
    ws.on("error", reject);
    ws.on("close", () => resolve());
  });
}

const t0 = now();
const one = via === "ws" ? readWs : read;
await Promise.all(Array.from({ length: readers }, (_, i) => one(urls[i % urls.length] ?? "")));
process.send?.({ seqs, times, seconds: (now() - t0) / 1000 }, () => process.exit(0));
