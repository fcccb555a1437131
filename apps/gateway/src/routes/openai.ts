import { AppError } from "@gantry/contracts/errors";
import type { PredictionRecord } from "@gantry/contracts/prediction";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { z } from "zod";
import { inputSpec } from "../core/input-schema.ts";
import {
  bodyError,
  type CallBody,
  type CallIdentity,
  ChatCompletionBody,
  CompletionBody,
  callInput,
  chunk,
  completion,
  countTokens,
  type FinishReason,
  type Kind,
  maxTokensOf,
  type OpenAiError,
  openAiBinding,
  openAiError,
  StopScanner,
  type Usage,
  usageChunk,
  usageOf,
} from "../core/openai.ts";
import { parseVersionRef } from "../core/version-ref.ts";
import type { GatewayDeps, GatewayEnv } from "../deps.ts";
import type { FeedItem } from "../event-feed.ts";
import { natsOutage } from "../nats-availability.ts";
import type { PredictionService } from "../prediction-service.ts";
import type { StreamHub } from "../stream-hub.ts";
import { MAX_READER_LAG } from "./streams.ts";

/** What the routes need of the app around them: NATS, the body limit, who calls, the rate limit. */
export interface OpenAiGuards {
  nats: MiddlewareHandler<GatewayEnv>;
  bodyLimit: MiddlewareHandler<GatewayEnv>;
  /** Sets `account` from the bearer token, or answers 401. */
  authenticate: MiddlewareHandler<GatewayEnv>;
  rateLimit: MiddlewareHandler<GatewayEnv>;
}

class OpenAiFailure extends Error {
  constructor(readonly failure: OpenAiError) {
    super(failure.body.error.message);
  }
}

const fail = (...args: Parameters<typeof openAiError>) => new OpenAiFailure(openAiError(...args));

function respondError(e: OpenAiError): Response {
  return new Response(JSON.stringify(e.body), {
    status: e.status,
    headers: {
      "content-type": "application/json",
      "x-should-retry": String(e.retry),
      ...(e.retryAfter !== undefined ? { "retry-after": String(e.retryAfter) } : {}),
    },
  });
}

/** Any error of the routes below in OpenAI's shape (the Replicate routes keep problem details). */
function toOpenAi(err: unknown, log: GatewayDeps["log"]): OpenAiError {
  if (err instanceof OpenAiFailure) return err.failure;
  if (err instanceof AppError) {
    const field = err.invalidFields?.[0];
    const param = field?.field.replace(/^input\./, "") || null;
    const message = field ? `${param}: ${field.description}` : err.message;
    return openAiError(err.status, message, {
      param,
      ...(err.retryAfter !== undefined ? { retryAfter: err.retryAfter } : {}),
    });
  }
  const outage = natsOutage(err);
  if (outage) return openAiError(503, outage.message, { retryAfter: 5 });
  log.error("unhandled error", { route: "openai", err: String(err), stack: (err as Error).stack });
  return openAiError(500, "Something went wrong on our side; it has been logged.");
}

function parse<T extends z.ZodType>(schema: T, text: string): z.infer<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw fail(400, "The request body is not valid JSON.");
  }
  const r = schema.safeParse(json);
  if (!r.success) throw new OpenAiFailure(bodyError(r.error.issues));
  return r.data;
}

const sse = (data: unknown) => `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;

/** What a finished call ran: its text, why it ended, and the tokens counted. */
interface Outcome {
  text: string;
  finish: FinishReason;
  usage: Usage;
}

/**
 * One call: a prediction of the model, followed through its events. Output items are the
 * completion's tokens; a stop sequence or `max_tokens` (when the model has no such input) ends it
 * early, canceling the prediction; a model's failure is an error that clients must not retry.
 */
class Call {
  readonly id: CallIdentity;
  readonly #svc: PredictionService;
  readonly #record: PredictionRecord;
  readonly #accountId: string;
  readonly #stop: StopScanner;
  readonly #maxTokens: number | null;
  readonly #modelLimit: number | null;
  readonly #promptTokens: number;
  #tokens = 0;
  #text = "";
  #ended: FinishReason | null = null;

  constructor(
    svc: PredictionService,
    record: PredictionRecord,
    accountId: string,
    kind: Kind,
    o: {
      model: string;
      stop: string | string[] | null | undefined;
      /** The platform stops the output after this many tokens (a model without a limit of its own). */
      maxTokens: number | null;
      /** The limit the model was given: reaching it ends the call with `length`. */
      modelLimit: number | null;
      promptText: string;
    },
  ) {
    this.#svc = svc;
    this.#record = record;
    this.#accountId = accountId;
    this.#stop = new StopScanner(o.stop);
    this.#maxTokens = o.maxTokens;
    this.#modelLimit = o.modelLimit;
    this.#promptTokens = countTokens(o.promptText);
    this.id = {
      kind,
      predictionId: record.id,
      model: o.model,
      created: Math.floor(Date.parse(record.created_at) / 1000),
    };
  }

  get record(): PredictionRecord {
    return this.#record;
  }

  /** Ends the prediction when the call no longer wants its output (a stop, the limit, a closed client). */
  cancel(): Promise<void> {
    return this.#svc.cancel(this.#accountId, this.#record.id).then(
      () => undefined,
      () => undefined,
    );
  }

  /** Text to send for one event (possibly empty), or the end of the call. */
  async step(item: FeedItem): Promise<{ text: string; end?: Outcome }> {
    const ev = item.event;
    if (this.#ended) return { text: "" };
    if (ev.type === "output") {
      this.#tokens++;
      const pushed = this.#stop.push(typeof ev.data === "string" ? ev.data : JSON.stringify(ev.data));
      this.#text += pushed.text;
      const limit = this.#maxTokens !== null && this.#tokens >= this.#maxTokens;
      if (pushed.stopped || limit) {
        this.#ended = pushed.stopped ? "stop" : "length";
        const rest = pushed.stopped ? "" : this.#stop.flush();
        this.#text += rest;
        await this.cancel();
        return { text: pushed.text + rest, end: await this.#outcome(this.#ended) };
      }
      return { text: pushed.text };
    }
    if (ev.type !== "done") return { text: "" };
    if (ev.status === "failed") {
      throw fail(500, `The model failed: ${ev.error ?? "no error message"}`, { code: "prediction_failed" });
    }
    if (ev.status === "canceled") throw fail(500, "The prediction was canceled.", { code: "prediction_canceled" });
    const rest = this.#stop.flush();
    this.#text += rest;
    this.#ended = this.#modelLimit !== null && this.#tokens >= this.#modelLimit ? "length" : "stop";
    return { text: rest, end: await this.#outcome(this.#ended) };
  }

  /** Tokens as the model reported them (`record_metric`), else as the platform counts them. */
  async #outcome(finish: FinishReason): Promise<Outcome> {
    const stored = await this.#svc.store.get(this.#record.id).catch(() => null);
    const metrics = (stored?.record.metrics ?? {}) as Record<string, unknown>;
    const reported = (k: string) => (typeof metrics[k] === "number" ? (metrics[k] as number) : null);
    const prompt = reported("input_token_count") ?? this.#promptTokens;
    const completionTokens = reported("output_token_count") ?? this.#tokens;
    return { text: this.#text, finish, usage: usageOf(prompt, completionTokens) };
  }
}

/**
 * OpenAI's `POST /chat/completions` and `POST /completions` (and, with `models`, `GET /models`)
 * on Gantry's predictions: every call is a prediction of the model named by `model` (`owner/name`
 * or `owner/name:version`), visible, cancelable and billed as any other. Errors are OpenAI's shape.
 */
export function openAiRoutes(
  svc: PredictionService,
  hub: StreamHub,
  deps: GatewayDeps,
  g: OpenAiGuards,
  models: boolean,
) {
  const app = new Hono<GatewayEnv>();
  app.onError((err) => respondError(toOpenAi(err, deps.log)));
  const guards = [g.nats, g.bodyLimit, g.authenticate, g.rateLimit];

  const start = async (c: Context<GatewayEnv>, kind: Kind) => {
    const text = await c.req.text();
    const callBody: CallBody =
      kind === "chat" ? { kind, body: parse(ChatCompletionBody, text) } : { kind, body: parse(CompletionBody, text) };
    const body = callBody.body;
    const accountId = c.get("account").id;
    const ref = parseVersionRef(body.model);
    if (!ref || ref.kind === "version") {
      throw fail(404, `The model ${JSON.stringify(body.model)} does not exist: name it owner/name.`, {
        param: "model",
      });
    }
    const { version } = await svc.resolve(accountId, ref, "model").catch(() => {
      throw fail(404, `The model ${body.model} does not exist or you do not have access to it.`, { param: "model" });
    });
    const binding = openAiBinding(inputSpec(version.openapi_schema), version.openapi_schema);
    if (!binding) {
      throw fail(
        400,
        `${body.model} does not take a text prompt (or messages) and stream text, so it has no ${kind === "chat" ? "chat " : ""}completions.`,
        {
          param: "model",
          code: "model_not_supported",
        },
      );
    }
    const { input, promptText } = callInput(binding, callBody);
    const record = await svc.create({
      accountId,
      baseUrl: c.get("baseUrl"),
      ref,
      input,
      waitSeconds: null,
      via: "model",
      cancelAfterMs: null,
    });
    const maxTokens = maxTokensOf(callBody);
    const call = new Call(svc, record, accountId, kind, {
      model: body.model,
      stop: body.stop,
      // A model with its own limit stops itself; otherwise the platform stops it.
      maxTokens: binding.maxTokens ? null : maxTokens,
      modelLimit: binding.maxTokens ? maxTokens : null,
      promptText,
    });
    return { call, body };
  };

  const answer = async (c: Context<GatewayEnv>, kind: Kind) => {
    const { call, body } = await start(c, kind);
    const headers = { "x-gantry-prediction-id": call.record.id };
    const gone = new AbortController();
    const feed = hub.follow(call.record, 0, {
      signal: gone.signal,
      maxLag: deps.streamMaxLag ?? MAX_READER_LAG,
      reader: "sse",
    });
    if (!body.stream) {
      // A client that hangs up cancels the prediction: nobody will read its answer.
      const onAbort = () => {
        gone.abort();
        void call.cancel();
      };
      c.req.raw.signal.addEventListener("abort", onAbort, { once: true });
      try {
        for await (const item of feed) {
          const { end } = await call.step(item);
          if (end) return c.json(completion(call.id, end.text, end.finish, end.usage), 200, headers);
        }
        throw fail(503, "The prediction's events ended early; try again.", { code: "stream_interrupted" });
      } finally {
        c.req.raw.signal.removeEventListener("abort", onAbort);
        await feed.return(undefined);
      }
    }
    const includeUsage = body.stream_options?.include_usage === true;
    const encoder = new TextEncoder();
    /** The call reached its end (its last chunk went out), or its client went away. */
    let ended = false;
    let clientGone = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(sse(chunk(call.id, kind === "chat" ? { role: true } : { text: "" }))));
      },
      async pull(controller) {
        const send = (text: string, last = false) => {
          if (clientGone) return;
          controller.enqueue(encoder.encode(last ? text + sse("[DONE]") : text));
          if (last) controller.close();
        };
        try {
          for (;;) {
            const next = await feed.next();
            if (clientGone) return;
            if (next.done) {
              ended = true;
              const e = openAiError(503, "The prediction's events ended early; try again.", {
                code: "stream_interrupted",
              });
              return send(sse(e.body), true);
            }
            const { text, end } = await call.step(next.value);
            let out = text ? sse(chunk(call.id, { text })) : "";
            if (end) {
              ended = true;
              out += sse(chunk(call.id, { finish: end.finish }));
              if (includeUsage) out += sse(usageChunk(call.id, end.usage));
              send(out, true);
              await feed.return(undefined);
              return;
            }
            if (out) return send(out);
          }
        } catch (err) {
          ended = true;
          send(sse(toOpenAi(err, deps.log).body), true);
          await feed.return(undefined);
        }
      },
      async cancel() {
        // The client closed the stream: the prediction is canceled, as on a closed SSE call to coglet.
        clientGone = true;
        gone.abort();
        if (!ended) await call.cancel();
        await feed.return(undefined);
      },
    });
    return new Response(stream, {
      headers: {
        ...headers,
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-accel-buffering": "no",
      },
    });
  };

  const paths = ["/chat/completions", "/completions", ...(models ? ["/models", "/models/*"] : [])];
  for (const path of paths) app.use(path, ...guards);
  app.post("/chat/completions", (c) => answer(c, "chat"));
  app.post("/completions", (c) => answer(c, "completion"));

  if (models) {
    /** The models the caller may call here: those whose latest version binds. */
    const listed = async (accountId: string) => {
      const out: { id: string; object: "model"; created: number; owned_by: string }[] = [];
      for (const m of await svc.registry.listModels()) {
        if (m.visibility === "private" && m.account_id !== accountId) continue;
        const v = m.latest_version_id ? await svc.version(m.latest_version_id) : null;
        if (!v || !openAiBinding(inputSpec(v.openapi_schema), v.openapi_schema)) continue;
        out.push({
          id: `${m.owner}/${m.name}`,
          object: "model",
          created: Math.floor(Date.parse(v.created_at) / 1000),
          owned_by: m.owner,
        });
      }
      return out.sort((a, b) => a.id.localeCompare(b.id));
    };
    app.get("/models", async (c) => c.json({ object: "list", data: await listed(c.get("account").id) }));
    // The official client sends the id's slash encoded (`/models/gantry%2Ftext-stream`).
    const retrieve = async (c: Context<GatewayEnv>, id: string) => {
      const found = (await listed(c.get("account").id)).find((m) => m.id === id);
      if (!found)
        throw fail(404, `The model ${id} does not exist or you do not have access to it.`, { param: "model" });
      return c.json(found);
    };
    app.get("/models/:id", (c) => retrieve(c, c.req.param("id")));
    app.get("/models/:owner/:name", (c) => retrieve(c, `${c.req.param("owner")}/${c.req.param("name")}`));
  }
  return app;
}
