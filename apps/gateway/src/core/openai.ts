/**
 * The OpenAI-compatible API on Gantry's predictions, as pure functions: the request bodies, which
 * models take part (a text prompt or `messages` input and a string-iterator output), the
 * prediction input a call becomes, token counts, stop sequences and the response objects.
 */
import { z } from "zod";
import type { InputSpec } from "./input-schema.ts";

const TextPart = z.looseObject({ type: z.literal("text"), text: z.string() });

export const ChatMessage = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(TextPart), z.null()]).optional(),
  name: z.string().optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** What both endpoints share. Unknown parameters are accepted and ignored, as by many providers. */
const Common = {
  model: z.string().min(1).max(300),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(4)]).nullish(),
  seed: z.number().int().nullish(),
  n: z.literal(1, { error: "Only n = 1 is supported." }).nullish(),
  user: z.string().optional(),
};

export const ChatCompletionBody = z.looseObject({
  ...Common,
  messages: z.array(ChatMessage).min(1).max(1000),
  max_completion_tokens: z.number().int().positive().nullish(),
});
export type ChatCompletionBody = z.infer<typeof ChatCompletionBody>;

export const CompletionBody = z.looseObject({
  ...Common,
  prompt: z.union([z.string(), z.array(z.string()).length(1)]),
});
export type CompletionBody = z.infer<typeof CompletionBody>;

type Schema = Record<string, unknown>;

/** The inputs of a model an OpenAI call maps onto; `null` fields the model does not have. */
export interface OpenAiBinding {
  prompt: string | null;
  /** A `messages` input: an array, or a string holding JSON. */
  messages: { name: string; json: boolean } | null;
  systemPrompt: string | null;
  maxTokens: string | null;
  temperature: string | null;
  topP: string | null;
  seed: string | null;
}

const first = (spec: InputSpec, names: string[], type?: string) =>
  names.find((n) => spec.properties[n] && (!type || (spec.properties[n] as Schema).type === type)) ?? null;

/** Whether an output schema is a stream of strings (Cog's `Iterator[str]`, `ConcatenateIterator[str]`). */
export function streamsText(openapi: Record<string, unknown>): boolean {
  const schemas = ((openapi.components as Schema | undefined)?.schemas ?? {}) as Record<string, Schema>;
  const output = schemas.Output;
  return (
    output?.type === "array" &&
    output["x-cog-array-type"] === "iterator" &&
    (output.items as Schema | undefined)?.type === "string"
  );
}

/**
 * How a model takes OpenAI calls, or `null` when it cannot: it must stream text and take a text
 * `prompt` or `messages`, and every other required input must have been left out by the schema.
 */
export function openAiBinding(spec: InputSpec, openapi: Record<string, unknown>): OpenAiBinding | null {
  if (!streamsText(openapi)) return null;
  const prompt = first(spec, ["prompt"], "string");
  const messagesName = first(spec, ["messages"]);
  const messagesType = messagesName ? (spec.properties[messagesName] as Schema).type : null;
  const messages =
    messagesName && (messagesType === "array" || messagesType === "string")
      ? { name: messagesName, json: messagesType === "string" }
      : null;
  if (!prompt && !messages) return null;
  const binding: OpenAiBinding = {
    prompt,
    messages,
    systemPrompt: first(spec, ["system_prompt"], "string"),
    maxTokens: first(spec, ["max_tokens", "max_new_tokens", "max_length"], "integer"),
    temperature: first(spec, ["temperature"]),
    topP: first(spec, ["top_p"]),
    seed: first(spec, ["seed"], "integer"),
  };
  const fed = new Set(Object.values(binding).map((v) => (typeof v === "object" && v ? v.name : v)));
  return spec.required.every((r) => fed.has(r)) ? binding : null;
}

const textOf = (m: ChatMessage): string =>
  typeof m.content === "string" ? m.content : (m.content ?? []).map((p) => p.text).join("");

/** A chat as one prompt, for models that take only text: roles as labels, ending with the assistant's turn. */
export function chatPrompt(messages: ChatMessage[], withSystem = true): string {
  const lines: string[] = [];
  for (const m of messages) {
    const text = textOf(m);
    if (m.role === "system" || m.role === "developer") {
      if (withSystem) lines.push(text, "");
    } else lines.push(`${m.role === "user" ? "User" : m.role === "assistant" ? "Assistant" : "Tool"}: ${text}`);
  }
  lines.push("Assistant:");
  return lines.join("\n");
}

/** The system messages of a chat, joined (for a model's `system_prompt`). */
export const systemText = (messages: ChatMessage[]) =>
  messages
    .filter((m) => m.role === "system" || m.role === "developer")
    .map(textOf)
    .join("\n");

export interface CallInput {
  input: Record<string, unknown>;
  /** The prompt as the model sees it, for counting its tokens. */
  promptText: string;
}

export type CallBody = { kind: "chat"; body: ChatCompletionBody } | { kind: "completion"; body: CompletionBody };

/** The completion's token limit a call asks for (`max_completion_tokens` wins for chats). */
export const maxTokensOf = (call: CallBody): number | null =>
  (call.kind === "chat" ? call.body.max_completion_tokens : null) ?? call.body.max_tokens ?? null;

/** The prediction input of a chat or completion call on a model bound by `b`. */
export function callInput(b: OpenAiBinding, call: CallBody): CallInput {
  const input: Record<string, unknown> = {};
  const body = call.body;
  let promptText: string;
  if (call.kind === "chat") {
    const body = call.body;
    if (b.messages) {
      const messages = body.messages.map((m) => ({ role: m.role, content: textOf(m) }));
      input[b.messages.name] = b.messages.json ? JSON.stringify(messages) : messages;
      promptText = messages.map((m) => m.content).join("\n");
    } else {
      const system = b.systemPrompt ? systemText(body.messages) : "";
      if (b.systemPrompt && system) input[b.systemPrompt] = system;
      promptText = chatPrompt(body.messages, !b.systemPrompt);
      input[b.prompt ?? ""] = promptText;
      if (system) promptText = `${system}\n${promptText}`;
    }
  } else {
    const prompt = call.body.prompt;
    promptText = typeof prompt === "string" ? prompt : (prompt[0] ?? "");
    if (b.prompt) input[b.prompt] = promptText;
    else if (b.messages) {
      const messages = [{ role: "user", content: promptText }];
      input[b.messages.name] = b.messages.json ? JSON.stringify(messages) : messages;
    }
  }
  const maxTokens = maxTokensOf(call);
  if (b.maxTokens && maxTokens) input[b.maxTokens] = maxTokens;
  if (b.temperature && body.temperature != null) input[b.temperature] = body.temperature;
  if (b.topP && body.top_p != null) input[b.topP] = body.top_p;
  if (b.seed && body.seed != null) input[b.seed] = body.seed;
  return { input, promptText };
}

/**
 * Tokens of a text as the platform counts them when the model reports none: words and single
 * punctuation marks. Completion tokens are the model's own output items (one per `yield`).
 */
export function countTokens(text: string): number {
  return text.match(/[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu)?.length ?? 0;
}

/**
 * Output text cut at the first stop sequence, token by token: `push` answers what may be sent now
 * (text that cannot be the start of a stop sequence) and whether a stop was reached.
 */
export class StopScanner {
  readonly #stops: string[];
  #held = "";
  #stopped = false;

  constructor(stop: string | string[] | null | undefined) {
    this.#stops = stop == null ? [] : Array.isArray(stop) ? stop : [stop];
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  push(token: string): { text: string; stopped: boolean } {
    if (this.#stopped) return { text: "", stopped: true };
    const text = this.#held + token;
    let cut = -1;
    for (const s of this.#stops) {
      const at = text.indexOf(s);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.#stopped = true;
      this.#held = "";
      return { text: text.slice(0, cut), stopped: true };
    }
    // Hold back the longest tail that is the start of a stop sequence.
    let hold = 0;
    for (const s of this.#stops) {
      for (let n = Math.min(s.length - 1, text.length); n > hold; n--) {
        if (text.endsWith(s.slice(0, n))) {
          hold = n;
          break;
        }
      }
    }
    this.#held = text.slice(text.length - hold);
    return { text: text.slice(0, text.length - hold), stopped: false };
  }

  /** What was held back, at the end of the output. */
  flush(): string {
    const rest = this.#stopped ? "" : this.#held;
    this.#held = "";
    return rest;
  }
}

export type FinishReason = "stop" | "length";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export const usageOf = (prompt: number, completion: number): Usage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});

export type Kind = "chat" | "completion";

export interface CallIdentity {
  kind: Kind;
  predictionId: string;
  model: string;
  /** Unix seconds. */
  created: number;
}

/** What every answer and chunk of a call starts with. */
const envelope = (c: CallIdentity, object: string) => ({
  id: `${c.kind === "chat" ? "chatcmpl" : "cmpl"}-${c.predictionId}`,
  object,
  created: c.created,
  model: c.model,
  system_fingerprint: null,
});
const chunkObject = (c: CallIdentity) => (c.kind === "chat" ? "chat.completion.chunk" : "text_completion");

/** One streamed chunk: a delta of text, the opening role, or the finish. */
export function chunk(
  c: CallIdentity,
  part: { text?: string; role?: true; finish?: FinishReason },
): Record<string, unknown> {
  const finish = part.finish ?? null;
  const choice =
    c.kind === "chat"
      ? {
          index: 0,
          delta: part.role ? { role: "assistant", content: "" } : part.text !== undefined ? { content: part.text } : {},
          logprobs: null,
          finish_reason: finish,
        }
      : { index: 0, text: part.text ?? "", logprobs: null, finish_reason: finish };
  return { ...envelope(c, chunkObject(c)), choices: [choice] };
}

/** The chunk `stream_options.include_usage` asks for: no choices, the usage. */
export const usageChunk = (c: CallIdentity, usage: Usage): Record<string, unknown> => ({
  ...envelope(c, chunkObject(c)),
  choices: [],
  usage,
});

/** The whole answer of a call that did not stream. */
export function completion(c: CallIdentity, text: string, finish: FinishReason, usage: Usage): Record<string, unknown> {
  const choice =
    c.kind === "chat"
      ? {
          index: 0,
          message: { role: "assistant", content: text, refusal: null },
          logprobs: null,
          finish_reason: finish,
        }
      : { index: 0, text, logprobs: null, finish_reason: finish };
  return { ...envelope(c, c.kind === "chat" ? "chat.completion" : "text_completion"), choices: [choice], usage };
}

/** OpenAI's error body. */
export interface OpenAiError {
  status: number;
  body: { error: { message: string; type: string; param: string | null; code: string | null } };
  /** Whether a client should try again (`x-should-retry`, which the official clients honour). */
  retry: boolean;
  retryAfter?: number;
}

const TYPES: Record<number, [string, string | null]> = {
  400: ["invalid_request_error", null],
  401: ["invalid_request_error", "invalid_api_key"],
  402: ["insufficient_quota", "insufficient_quota"],
  403: ["invalid_request_error", "permission_denied"],
  404: ["invalid_request_error", "model_not_found"],
  413: ["invalid_request_error", "request_too_large"],
  415: ["invalid_request_error", null],
  422: ["invalid_request_error", "invalid_value"],
  429: ["rate_limit_error", "rate_limit_exceeded"],
  503: ["server_error", "service_unavailable"],
};

/** An error in OpenAI's shape; 422s become 400s naming the first invalid parameter. */
export function openAiError(
  status: number,
  message: string,
  o: { param?: string | null; code?: string | null; retryAfter?: number } = {},
): OpenAiError {
  const mapped = status === 422 ? 400 : status;
  const [type, code] = TYPES[status] ?? (status >= 500 ? ["server_error", null] : ["invalid_request_error", null]);
  return {
    status: mapped,
    body: { error: { message, type, param: o.param ?? null, code: o.code ?? code } },
    retry: status === 429 || status === 503,
    ...(o.retryAfter !== undefined ? { retryAfter: o.retryAfter } : {}),
  };
}

/** zod's issues as one OpenAI error naming the parameter. */
export function bodyError(issues: readonly { path: PropertyKey[]; message: string }[]): OpenAiError {
  const issue = issues[0];
  const param = issue?.path.map(String).join(".") || null;
  return openAiError(400, issue ? `${param ? `${param}: ` : ""}${issue.message}` : "Invalid request body.", {
    param,
  });
}
