import { httpRequest } from "@gantry/platform/http-client";

/**
 * The most a model server's answers may weigh; past it the call fails rather than hold more.
 * `start` echoes the input back, and inputs may carry files as data URLs.
 */
export const COG_ANSWER_LIMITS = { health: 1024 * 1024, openapi: 4 * 1024 * 1024, start: 64 * 1024 * 1024 };

/** HTTP client for one Cog-protocol model server (reference: cog-http-protocol.md §7). */
export interface HealthCheck {
  status: string;
  setup?: { logs?: string; status?: string };
}

export class CogClient {
  readonly baseUrl: string;
  /** `predictions`, or `trainings` for a server in train mode (reference §5, `--x-mode train`). */
  readonly resource: "predictions" | "trainings";

  readonly #limits: typeof COG_ANSWER_LIMITS;

  constructor(
    baseUrl: string,
    resource: "predictions" | "trainings" = "predictions",
    limits: typeof COG_ANSWER_LIMITS = COG_ANSWER_LIMITS,
  ) {
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.resource = resource;
    this.#limits = limits;
  }

  /** `null` while the server is not accepting connections yet (booting), or answers no health check. */
  async health(): Promise<HealthCheck | null> {
    try {
      const res = await httpRequest(`${this.baseUrl}/health-check`, {
        method: "GET",
        timeoutMs: 2000,
        maxBytes: this.#limits.health,
      });
      return JSON.parse(res.text) as HealthCheck;
    } catch {
      return null;
    }
  }

  /** The server's `/openapi.json`; fails past {@link COG_ANSWER_LIMITS}`.openapi` bytes. */
  async openapi(): Promise<Record<string, unknown>> {
    const res = await httpRequest(`${this.baseUrl}/openapi.json`, {
      method: "GET",
      timeoutMs: 5000,
      maxBytes: this.#limits.openapi,
    });
    if (res.status < 200 || res.status > 299) throw new Error(`GET /openapi.json answered ${res.status}`);
    return JSON.parse(res.text) as Record<string, unknown>;
  }

  /**
   * `PUT /predictions/{id}` (or `/trainings/{id}`) with `Prefer: respond-async`. No `start` webhook is asked for: the 202
   * already says it started. Resolves to the HTTP status:
   * 202 accepted, 409 busy, 422 invalid input, anything else not ready.
   */
  async start(id: string, input: Record<string, unknown>, webhook: string): Promise<{ status: number; body: unknown }> {
    const res = await httpRequest(`${this.baseUrl}/${this.resource}/${id}`, {
      method: "PUT",
      headers: { "content-type": "application/json", prefer: "respond-async" },
      body: JSON.stringify({ id, input, webhook, webhook_events_filter: ["output", "logs", "completed"] }),
      timeoutMs: 10_000,
      maxBytes: this.#limits.start,
    });
    let body: unknown = res.text;
    try {
      body = JSON.parse(res.text);
    } catch {
      // plain-text body (Python's 500): keep it as text
    }
    return { status: res.status, body };
  }

  async cancel(id: string): Promise<boolean> {
    try {
      const res = await httpRequest(`${this.baseUrl}/${this.resource}/${id}/cancel`, {
        method: "POST",
        timeoutMs: 5000,
        maxBytes: 64 * 1024,
      });
      return res.status >= 200 && res.status <= 299;
    } catch {
      return false;
    }
  }

  async shutdown(): Promise<void> {
    try {
      await httpRequest(`${this.baseUrl}/shutdown`, { method: "POST", timeoutMs: 2000, maxBytes: 64 * 1024 });
    } catch {
      // already gone
    }
  }
}
