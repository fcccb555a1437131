import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { WebhookSender } from "./webhook-sender.ts";

export interface PredictContext {
  signal: AbortSignal;
  log(line: string): void;
}

/**
 * A model: its OpenAPI document and a predict function (an async iterator for streaming output);
 * optionally a trainer (Cog's `train:`), run by a server started in train mode.
 */
export interface Predictor {
  openapi: Record<string, unknown>;
  /** `weights`: the path or URL of trained weights to start from (Cog's `COG_WEIGHTS`), or null. */
  setup?(log: (line: string) => void, weights?: string | null): Promise<void>;
  predict(input: Record<string, unknown>, ctx: PredictContext): AsyncIterable<unknown> | Promise<unknown>;
  /** Its output holds `weights`, a file (Cog returns files as `data:` URLs). */
  train?(input: Record<string, unknown>, ctx: PredictContext): Promise<unknown>;
}

type Status = "starting" | "processing" | "succeeded" | "failed" | "canceled";

interface Running {
  id: string;
  input: Record<string, unknown>;
  output: unknown;
  logs: string;
  error?: string;
  status: Status;
  started_at: string;
  completed_at?: string;
  metrics?: { predict_time: number };
  abort: AbortController;
  webhook?: WebhookSender;
  filter: Set<string>;
  done: Promise<void>;
}

export interface CogServerOptions {
  concurrency?: number;
  /** `COG_THROTTLE_RESPONSE_INTERVAL` in milliseconds. */
  throttleMs?: number;
  /** `--x-mode`: a `train` server runs the trainer at `/trainings` (and no setup, as Cog). */
  mode?: "predict" | "train";
  /** `COG_WEIGHTS`: passed to `setup`. */
  weights?: string | null;
}

const ALL_EVENTS = ["start", "output", "logs", "completed"];

/**
 * A Cog-protocol HTTP server (reference: cog-http-protocol.md), modelled on the Python server:
 * `/health-check`, `/openapi.json`, sync and `Prefer: respond-async` predictions, idempotent PUT,
 * webhooks, cancel, 409 when every slot is busy, and `/shutdown`.
 */
export function createCogServer(predictor: Predictor, options: CogServerOptions = {}): Server {
  const training = options.mode === "train";
  if (training && !predictor.train) throw new Error("this model has no trainer (train mode needs one)");
  const concurrency = training ? 1 : (options.concurrency ?? 1);
  const throttleMs = options.throttleMs ?? 500;
  const resource = training ? "trainings" : "predictions";
  const running = new Map<string, Running>();
  const setup = { status: "starting" as string, logs: "", started_at: new Date().toISOString(), completed_at: "" };
  let health = "STARTING";
  const setupDone = (async () => {
    try {
      if (!training) {
        await predictor.setup?.((line) => {
          setup.logs += `${line}\n`;
        }, options.weights ?? null);
      }
      setup.status = "succeeded";
      health = "READY";
    } catch (err) {
      setup.logs += `${String(err)}\n`;
      setup.status = "failed";
      health = "SETUP_FAILED";
    }
    setup.completed_at = new Date().toISOString();
  })();
  void setupDone;

  const view = (p: Running) => ({
    input: p.input,
    output: p.output,
    id: p.id,
    started_at: p.started_at,
    ...(p.completed_at ? { completed_at: p.completed_at } : {}),
    logs: p.logs,
    ...(p.error !== undefined ? { error: p.error } : {}),
    status: p.status,
    ...(p.metrics ? { metrics: p.metrics } : {}),
  });

  const emit = (p: Running, event: string) => {
    if (!p.webhook || !p.filter.has(event)) return;
    void p.webhook.send(view(p), event === "completed");
  };

  const run = async (p: Running) => {
    const t0 = performance.now();
    const ctx: PredictContext = {
      signal: p.abort.signal,
      log: (line) => {
        p.logs += `${line}\n`;
        emit(p, "logs");
      },
    };
    emit(p, "start");
    try {
      const result = training && predictor.train ? predictor.train(p.input, ctx) : predictor.predict(p.input, ctx);
      if (Symbol.asyncIterator in Object(result)) {
        p.output = [];
        for await (const item of result as AsyncIterable<unknown>) {
          if (p.abort.signal.aborted) break;
          (p.output as unknown[]).push(item);
          emit(p, "output");
        }
      } else {
        p.output = await result;
      }
      p.status = p.abort.signal.aborted ? "canceled" : "succeeded";
    } catch (err) {
      if (p.abort.signal.aborted) p.status = "canceled";
      else {
        p.status = "failed";
        p.error = err instanceof Error ? err.message : String(err);
        p.logs += `${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`;
      }
    }
    p.completed_at = new Date().toISOString();
    if (p.status === "succeeded") p.metrics = { predict_time: (performance.now() - t0) / 1000 };
    running.delete(p.id);
    if (health === "BUSY") health = "READY";
    emit(p, "completed");
  };

  const create = async (req: IncomingMessage, res: ServerResponse, pathId: string | undefined) => {
    const body = await readJson(req);
    if (body === undefined)
      return send(res, 422, { detail: [{ loc: ["body"], msg: "invalid JSON", type: "value_error" }] });
    const id = pathId ?? (typeof body.id === "string" ? body.id : `pred_${randomUUID().replace(/-/g, "")}`);
    if (pathId && body.id !== undefined && body.id !== pathId) {
      return send(res, 422, {
        detail: [
          { loc: ["body", "id"], msg: "prediction ID must match the ID supplied in the URL", type: "value_error" },
        ],
      });
    }
    const existing = running.get(id);
    if (existing) return send(res, 202, view(existing));
    if (health === "SETUP_FAILED" || health === "DEFUNCT") return send(res, 500, "Internal Server Error");
    if (health === "STARTING" || running.size >= concurrency) {
      return send(res, 409, { detail: "Already running a prediction" });
    }
    const input = applyDefaults(predictor.openapi, training ? "TrainingInput" : "Input", body.input);
    if (typeof input === "string") {
      return send(res, 422, {
        detail: [{ loc: ["body", "input", input], msg: "field required", type: "value_error.missing" }],
      });
    }
    const filter = Array.isArray(body.webhook_events_filter) ? body.webhook_events_filter.map(String) : ALL_EVENTS;
    const p: Running = {
      id,
      input,
      output: null,
      logs: "",
      status: "processing",
      started_at: new Date().toISOString(),
      abort: new AbortController(),
      filter: new Set(filter),
      done: Promise.resolve(),
      ...(typeof body.webhook === "string" ? { webhook: new WebhookSender(body.webhook, throttleMs) } : {}),
    };
    running.set(id, p);
    if (running.size >= concurrency) health = "BUSY";
    p.done = run(p);
    if (req.headers.prefer === "respond-async") return send(res, 202, view(p));
    await p.done;
    return send(res, 200, view(p));
  };

  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://model");
    const parts = url.pathname.split("/").filter(Boolean);
    // The mode's resource (`predictions`, or `trainings` in train mode) is routed; the other is not served.
    const first = (x: string) => (x === resource ? ":run" : x.startsWith(":") ? "-" : x);
    const route = `${req.method} /${parts.map((x, i) => (i === 1 ? ":id" : i === 0 ? first(x) : x)).join("/")}`;
    const handle = async () => {
      switch (route) {
        case "GET /":
          return send(res, 200, {
            cog_version: "gantry",
            openapi_url: "/openapi.json",
            healthcheck_url: "/health-check",
            predictions_url: "/predictions",
            predictions_idempotent_url: "/predictions/{prediction_id}",
            predictions_cancel_url: "/predictions/{prediction_id}/cancel",
            ...(predictor.train
              ? {
                  trainings_url: "/trainings",
                  trainings_idempotent_url: "/trainings/{training_id}",
                  trainings_cancel_url: "/trainings/{training_id}/cancel",
                }
              : {}),
            shutdown_url: "/shutdown",
          });
        case "GET /health-check":
          return send(res, 200, { status: health, setup: health === "STARTING" ? {} : setup });
        case "GET /openapi.json":
          return send(res, 200, predictor.openapi);
        case "POST /:run":
          return create(req, res, undefined);
        case "PUT /:run/:id":
          return create(req, res, parts[1]);
        case "POST /:run/:id/cancel": {
          const p = running.get(parts[1] ?? "");
          if (!p) return send(res, 404, {});
          p.abort.abort();
          return send(res, 200, {});
        }
        case "POST /shutdown":
          send(res, 200, {});
          setImmediate(() => process.kill(process.pid, "SIGTERM"));
          return;
        default:
          return send(res, 404, { detail: "Not Found" });
      }
    };
    handle().catch((err: unknown) => send(res, 500, { detail: String(err) }));
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json" });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return {};
  try {
    const v: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Drops unknown keys and fills defaults; returns the name of a missing required field. */
function applyDefaults(
  openapi: Record<string, unknown>,
  schemaName: "Input" | "TrainingInput",
  raw: unknown,
): Record<string, unknown> | string {
  const schemas = (
    openapi.components as {
      schemas: Record<string, { properties: Record<string, { default?: unknown }>; required?: string[] }>;
    }
  ).schemas;
  const schema = schemas[schemaName] ?? { properties: {} };
  const given = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(schema.properties)) {
    if (key in given) out[key] = given[key];
    else if ("default" in prop) out[key] = prop.default;
  }
  for (const key of schema.required ?? []) if (!(key in out)) return key;
  return out;
}
