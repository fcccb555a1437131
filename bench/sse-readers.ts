import { request } from "node:http";

/**
 * Child process: `readers` SSE readers on the given stream URLs (node:http, minimal parsing), so
 * the client's own work runs beside, not inside, the baseline subscriber's event loop. Posts back
 * the stream sequence and receipt time of every output event.
 */
const { urls, readers } = await new Promise<{ urls: string[]; readers: number }>((resolve) =>
  process.once("message", (m) => resolve(m as { urls: string[]; readers: number })),
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

const t0 = now();
await Promise.all(Array.from({ length: readers }, (_, i) => read(urls[i % urls.length] ?? "")));
process.send?.({ seqs, times, seconds: (now() - t0) / 1000 }, () => process.exit(0));
