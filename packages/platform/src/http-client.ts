import { Agent, request } from "node:http";

/** Keep-alive connections for the platform's internal HTTP calls (agent ↔ model servers). */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export interface HttpResult {
  status: number;
  text: string;
}

/**
 * One HTTP/1.1 request over a kept-alive loopback connection. `node:http` rather than `fetch`:
 * on the prediction hot path it costs a fraction of undici's per-request work.
 */
export function httpRequest(
  url: string,
  init: {
    method: string;
    headers?: Record<string, string>;
    body?: string;
    timeoutMs: number;
    /** The answer may weigh at most this: past it the request fails (and its connection is dropped). */
    maxBytes: number;
  },
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const body = init.body === undefined ? undefined : Buffer.from(init.body);
    const req = request(
      url,
      {
        method: init.method,
        agent,
        headers: { ...init.headers, ...(body ? { "content-length": String(body.length) } : {}) },
        timeout: init.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > init.maxBytes) {
            req.destroy(new Error(`the answer from ${init.method} ${url} is larger than ${init.maxBytes} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${init.method} ${url} timed out after ${init.timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}
