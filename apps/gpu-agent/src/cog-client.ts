import { type IncomingMessage, request } from "node:http";
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
  /** coglet: why the model's own `healthcheck()` failed (status UNHEALTHY). */
  user_healthcheck_error?: string;
}

/** What a create sends besides the input: the W3C trace context the server forwards (§1.3). */
export interface StartOptions {
  traceparent?: string | undefined;
}

/** The answer to an SSE create: a 200 event stream to read, or any other answer as a body. */
export interface StreamAnswer {
  status: number;
  body: unknown;
  events?: IncomingMessage;
  /** Closes the stream (coglet cancels an SSE-created prediction whose last reader goes away). */
  close(): void;
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
  async start(
    id: string,
    input: Record<string, unknown>,
    webhook: string,
    options: StartOptions = {},
  ): Promise<{ status: number; body: unknown }> {
    const res = await httpRequest(`${this.baseUrl}/${this.resource}/${id}`, {
      method: "PUT",
      headers: { "content-type": "application/json", prefer: "respond-async", ...traceHeaders(options) },
      body: JSON.stringify({ id, input, webhook, webhook_events_filter: ["output", "logs", "completed"] }),
      timeoutMs: 10_000,
      maxBytes: this.#limits.start,
    });
    return { status: res.status, body: parseBody(res.text) };
  }

  /**
   * `PUT /predictions/{id}` with `Accept: text/event-stream` (coglet ≥ 0.21, a model with
   * `x-cog-streaming`, §2.5): a 200 is the prediction's event stream, read until `completed`;
   * a PUT of a running id re-attaches and replays. Any other answer comes back as its body.
   */
  stream(id: string, input: Record<string, unknown>, options: StartOptions = {}): Promise<StreamAnswer> {
    const json = Buffer.from(JSON.stringify({ id, input }));
    return new Promise((resolve, reject) => {
      const req = request(`${this.baseUrl}/${this.resource}/${id}`, {
        method: "PUT",
        headers: {
          "content-type": "application/json",
          "content-length": String(json.length),
          accept: "text/event-stream",
          ...traceHeaders(options),
        },
      });
      const close = () => req.destroy();
      // Only the answer's head is timed: the stream itself lasts as long as the prediction.
      const headTimer = setTimeout(() => req.destroy(new Error(`PUT ${id} (SSE) timed out`)), 10_000);
      req.on("error", (err) => {
        clearTimeout(headTimer);
        reject(err);
      });
      req.on("response", (res) => {
        clearTimeout(headTimer);
        const type = String(res.headers["content-type"] ?? "");
        if (res.statusCode === 200 && type.startsWith("text/event-stream")) {
          res.setEncoding("utf8");
          return resolve({ status: 200, body: null, events: res, close });
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size <= this.#limits.health) chunks.push(c);
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: parseBody(Buffer.concat(chunks).toString("utf8")), close }),
        );
      });
      req.end(json);
    });
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

/** A JSON answer's value, or its text (Python's plain-text 500). */
function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const traceHeaders = (o: StartOptions): Record<string, string> => (o.traceparent ? { traceparent: o.traceparent } : {});
