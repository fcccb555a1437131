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

  async #post(json: string, retries: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(this.#url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: json,
          redirect: "manual",
        });
        await res.body?.cancel();
        if (res.ok || ![429, 500, 502, 503, 504].includes(res.status)) return;
      } catch {
        // connection error: retried below when allowed
      }
      if (attempt >= retries) return;
      await sleep(100 * 2 ** Math.min(attempt, 10));
    }
  }
}
