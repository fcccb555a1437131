import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { FIXTURE_OPENAPI } from "./cog-fixture-openapi.ts";
import {
  COGLET_BUSY,
  COGLET_NOT_READY,
  cogletAccepted,
  cogletInvalid,
  cogletSnapshot,
  DISCOVERY,
  type FixtureMode,
  type FixturePrediction,
  type FixtureSetup,
  healthBody,
  PYTHON_BUSY,
  pythonFull,
  pythonInvalid,
  pythonWebhook,
} from "./cog-fixture-shapes.ts";
import { WebhookSender } from "./webhook-sender.ts";

export interface CogFixtureOptions {
  mode: FixtureMode;
  /** `COG_MAX_CONCURRENCY` (default 1). */
  concurrency?: number;
  /** `COG_THROTTLE_RESPONSE_INTERVAL` in milliseconds (default 500). */
  throttleMs?: number;
  /** How long `setup()` takes. */
  setupMs?: number;
  /** `setup()` raises. */
  failSetup?: boolean;
  /** Python exits after a setup failure; this is called instead (unless `--await-explicit-shutdown`). */
  onSetupFailedExit?: () => void;
  /** Where the server's own output goes (a real server prints its setup logs); default nowhere. */
  print?: (text: string) => void;
  /** `POST /shutdown` was answered. */
  onShutdown?: () => void;
  now?: () => Date;
}

interface Live extends FixturePrediction {
  abort: AbortController;
  webhook?: WebhookSender;
  filter: Set<string>;
  lastSent: number;
}

const SETUP_TRACEBACK =
  'Traceback (most recent call last):\n  File "predict.py", line 12, in setup\n    raise RuntimeError("setup: weights missing")\nRuntimeError: setup: weights missing\n';
const PREDICT_TRACEBACK =
  'Traceback (most recent call last):\n  File "predict.py", line 24, in predict\n    raise ValueError("boom: requested failure")\nValueError: boom: requested failure\n';

/**
 * A Cog-protocol server that is not ours: it replays, byte for byte where the reference captured
 * them, what the Python server of cog v0.16.12 (`mode: "python"`) or the Rust coglet server
 * (`mode: "coglet"`) answer and send (cog-http-protocol.md §1–§3, §8), running the reference's
 * test predictor: `n_tokens` tokens "tok0 ", "tok1 ", … `delay` seconds apart; `fail` raises
 * "boom: requested failure" after two tokens.
 */
export function createCogFixture(o: CogFixtureOptions): Server {
  const python = o.mode === "python";
  const now = o.now ?? (() => new Date());
  const concurrency = o.concurrency ?? 1;
  const throttleMs = o.throttleMs ?? 500;
  const running = new Map<string, Live>();
  const setup: FixtureSetup = { startedAt: now(), logs: "", status: "starting" };
  let health = "STARTING";

  void (async () => {
    setup.logs += "setup: pretending to load weights\n";
    await sleep(o.setupMs ?? 0);
    setup.completedAt = now();
    if (o.failSetup) {
      setup.logs += SETUP_TRACEBACK;
      setup.status = "failed";
      health = "SETUP_FAILED";
      o.print?.(setup.logs);
      if (python) setTimeout(() => o.onSetupFailedExit?.(), 100);
      return;
    }
    setup.logs += "setup: done\n";
    setup.status = "succeeded";
    health = "READY";
  })();

  const snapshot = (p: Live) => (python ? pythonWebhook(p) : cogletSnapshot(p));

  /** Python throttles every non-terminal event; coglet only `start` and `logs` (§2.1). */
  const emit = (p: Live, event: "start" | "output" | "logs" | "completed") => {
    if (!p.webhook || !p.filter.has(event)) return;
    const terminal = event === "completed";
    // The captured Python run sent its start event and its first logs event in the same instant.
    const throttled = python ? !terminal && event !== "start" : event === "start" || event === "logs";
    const t = Date.now();
    if (throttled && throttleMs > 0 && t - p.lastSent < throttleMs) return;
    if (throttled) p.lastSent = t;
    void p.webhook.send(snapshot(p), terminal);
  };

  const run = async (p: Live, n: number, delayS: number, fail: boolean) => {
    const t0 = performance.now();
    try {
      for (let i = 0; i < n; i++) {
        // The captured runs sleep `delay` before every token (8 tokens at 0.2 s took 1.6 s).
        p.abort.signal.throwIfAborted();
        if (delayS > 0) await sleep(delayS * 1000, undefined, { signal: p.abort.signal });
        if (fail && i === 2) throw new Error("boom: requested failure");
        p.output?.push(`tok${i} `);
        emit(p, "output");
      }
      if (fail) throw new Error("boom: requested failure");
      p.logs += "predict: finished\n";
      p.status = "succeeded";
    } catch (err) {
      if (p.abort.signal.aborted) p.status = "canceled";
      else {
        p.status = "failed";
        p.error = err instanceof Error ? err.message : String(err);
        p.logs += PREDICT_TRACEBACK;
      }
    }
    p.completedAt = now();
    p.predictTime = (performance.now() - t0) / 1000;
    running.delete(p.id);
    health = "READY";
    emit(p, "completed");
  };

  const create = async (req: IncomingMessage, res: ServerResponse, pathId: string | undefined) => {
    const body = await readJson(req);
    if (pathId && body.id !== undefined && body.id !== pathId) {
      return send(res, 422, {
        detail: [
          { loc: ["body", "id"], msg: "prediction ID must match the ID supplied in the URL", type: "value_error" },
        ],
      });
    }
    const id = pathId ?? (typeof body.id === "string" ? body.id : `pred_${process.hrtime.bigint().toString(16)}`);
    const busy = running.size >= concurrency;
    const existing = running.get(id);
    // Python looks up a running id only when every slot is busy; coglet always does (§1.4).
    if (existing && (busy || !python)) return send(res, 202, python ? pythonFull(existing) : cogletSnapshot(existing));
    if (python) {
      if (health === "SETUP_FAILED" || health === "DEFUNCT") return send(res, 500, "Internal Server Error");
      if (health === "STARTING" || busy) return send(res, 409, PYTHON_BUSY);
    } else {
      if (health !== "READY" && health !== "BUSY") return send(res, 503, COGLET_NOT_READY);
      if (busy) return send(res, 409, COGLET_BUSY);
    }
    const given = body.input && typeof body.input === "object" ? (body.input as Record<string, unknown>) : {};
    const invalid = python ? pythonInvalid : cogletInvalid;
    if (typeof given.prompt !== "string") return send(res, 422, invalid("prompt", "missing"));
    const input = {
      prompt: given.prompt,
      n_tokens: given.n_tokens ?? 5,
      delay: given.delay ?? 0.2,
      fail: given.fail ?? false,
    };
    if (Number(input.n_tokens) < 1) return send(res, 422, invalid("n_tokens", "not_ge", 1));
    const filter = Array.isArray(body.webhook_events_filter)
      ? body.webhook_events_filter.map(String)
      : ["start", "output", "logs", "completed"];
    const p: Live = {
      id,
      input,
      output: null,
      logs: "",
      status: "processing",
      startedAt: now(),
      abort: new AbortController(),
      filter: new Set(filter),
      lastSent: 0,
      ...(typeof body.webhook === "string" ? { webhook: new WebhookSender(body.webhook, 0) } : {}),
    };
    running.set(id, p);
    if (running.size >= concurrency) health = "BUSY";
    // Python skips the start event below a 0.1 s throttle (§2.1).
    if (!python || throttleMs >= 100) emit(p, "start");
    p.logs += `predict: prompt='${input.prompt}'\n`;
    p.output = [];
    emit(p, "logs");
    const done = run(p, Number(input.n_tokens), Number(input.delay), input.fail === true);
    if (req.headers.prefer === "respond-async") return send(res, 202, python ? pythonFull(p) : cogletAccepted(id));
    await done;
    return send(res, 200, python ? pythonFull(p) : cogletSnapshot(p));
  };

  return createServer((req, res) => {
    const parts = new URL(req.url ?? "/", "http://fixture").pathname.split("/").filter(Boolean);
    const route = `${req.method} /${parts.map((x, i) => (i === 1 ? ":id" : x)).join("/")}`;
    const handle = async () => {
      switch (route) {
        case "GET /":
          return send(res, 200, DISCOVERY);
        case "GET /health-check":
          return send(res, 200, healthBody(o.mode, health, setup));
        case "GET /openapi.json":
          return send(res, 200, FIXTURE_OPENAPI);
        case "POST /predictions":
          return create(req, res, undefined);
        case "PUT /predictions/:id":
          return create(req, res, parts[1]);
        case "POST /predictions/:id":
          return send(res, 405, { detail: "Method Not Allowed" });
        case "POST /predictions/:id/cancel": {
          const p = running.get(parts[1] ?? "");
          if (!p) return send(res, 404, {});
          p.abort.abort();
          return send(res, 200, {});
        }
        case "POST /shutdown":
          send(res, 200, {});
          o.onShutdown?.();
          return;
        default:
          return send(res, 404, { detail: "Not Found" });
      }
    };
    handle().catch((err: unknown) => send(res, 500, String(err)));
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json",
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    const v: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Options from a command line: `<python|coglet> [--setup-ms N] [--fail-setup]
 * [--await-explicit-shutdown true]` (see `serve.ts`).
 */
export function fixtureOptionsFromArgs(args: string[]): Omit<CogFixtureOptions, "concurrency" | "throttleMs"> {
  const [mode, ...flags] = args;
  if (mode !== "python" && mode !== "coglet")
    throw new Error("usage: cog-fixture <python|coglet> [--setup-ms N] [--fail-setup]");
  const at = (name: string) => flags.indexOf(name);
  const awaitShutdown = at("--await-explicit-shutdown") >= 0 && flags[at("--await-explicit-shutdown") + 1] === "true";
  return {
    mode,
    setupMs: at("--setup-ms") >= 0 ? Number(flags[at("--setup-ms") + 1]) : 0,
    failSetup: at("--fail-setup") >= 0,
    print: (text) => process.stdout.write(text),
    onSetupFailedExit: () => {
      if (!awaitShutdown) process.exit(1);
    },
    onShutdown: () => setTimeout(() => process.exit(0), 50),
  };
}
