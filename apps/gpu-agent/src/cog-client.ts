import { httpRequest } from "@gantry/platform/http-client";

/** HTTP client for one Cog-protocol model server (reference: cog-http-protocol.md §7). */
export interface HealthCheck {
  status: string;
  setup?: { logs?: string; status?: string };
}

export class CogClient {
  readonly baseUrl: string;
  /** `predictions`, or `trainings` for a server in train mode (reference §5, `--x-mode train`). */
  readonly resource: "predictions" | "trainings";

  constructor(baseUrl: string, resource: "predictions" | "trainings" = "predictions") {
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.resource = resource;
  }

  /** `null` while the server is not accepting connections yet (booting). */
  async health(signal?: AbortSignal): Promise<HealthCheck | null> {
    try {
      const res = await fetch(`${this.baseUrl}/health-check`, { signal: signal ?? AbortSignal.timeout(2000) });
      return (await res.json()) as HealthCheck;
    } catch {
      return null;
    }
  }

  async openapi(): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.baseUrl}/openapi.json`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
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
      const res = await fetch(`${this.baseUrl}/${this.resource}/${id}/cancel`, {
        method: "POST",
        signal: AbortSignal.timeout(5000),
      });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  async shutdown(): Promise<void> {
    try {
      const res = await fetch(`${this.baseUrl}/shutdown`, { method: "POST", signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
    } catch {
      // already gone
    }
  }
}
