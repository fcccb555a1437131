import { Agent, request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Sends a prediction's webhooks in order. Non-terminal snapshots are throttled (one per
 * `throttleMs`; later snapshots are cumulative, so a dropped one loses nothing) and never retried;
 * the terminal one is always sent and retried with exponential backoff, as Cog does.
 */
export class WebhookSender {
  #chain: Promise<void> = Promise.resolve();
  #lastSent = 0;
  readonly #url: string;
  readonly #throttleMs: number;

  constructor(url: string, throttleMs: number) {
    this.#url = url;
    this.#throttleMs = throttleMs;
  }

  send(body: unknown, terminal: boolean): Promise<void> {
    const now = Date.now();
    if (!terminal && this.#throttleMs > 0 && now - this.#lastSent < this.#throttleMs) return this.#chain;
    this.#lastSent = now;
    const json = JSON.stringify(body);
    this.#chain = this.#chain.then(() => this.#post(json, terminal ? 12 : 0));
    return this.#chain;
  }

  #post(json: string, retries: number): Promise<void> {
    return postWebhook(this.#url, json, retries);
  }
}

/**
 * POSTs a webhook body, retrying a connection failure, 429 or 5xx `retries` times with
 * exponential backoff (as Cog does); `headers` are added to the JSON content headers.
 */
export async function postWebhook(
  url: string,
  json: string,
  retries: number,
  headers: Record<string, string> = {},
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const status = await post(url, json, headers).catch(() => 0);
    if ((status >= 200 && status < 300) || ![0, 429, 500, 502, 503, 504].includes(status)) return;
    if (attempt >= retries) return;
    await sleep(100 * 2 ** Math.min(attempt, 10));
  }
}

const agent = new Agent({ keepAlive: true });

/** POSTs JSON and resolves to the status; redirects are not followed. */
function post(url: string, json: string, extra: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = Buffer.from(json);
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: { ...extra, "content-type": "application/json", "content-length": String(body.length) },
        timeout: 30_000,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("timeout", () => req.destroy(new Error("webhook timed out")));
    req.on("error", reject);
    req.end(body);
  });
}
