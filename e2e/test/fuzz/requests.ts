/**
 * Hostile HTTP requests for every route of the public API, generated from a seed (the same seed
 * gives the same requests, so a failure reproduces). Pure: no I/O.
 */

import { mulberry32 } from "@gantry/demo-models/prng";

/** A small, fast, seedable PRNG (mulberry32). */
export const prng = mulberry32;

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  /** Which kind of create this is, when it could create something (to count what was created). */
  creates?: "prediction" | "training" | "model" | "deployment" | "file" | "version";
}

/** Path segments that have broken KV keys, NATS subjects, parsers or routers somewhere. */
export const HOSTILE_SEGMENTS = [
  "",
  "a.",
  ".a",
  "a..b",
  "*",
  ">",
  "*/>",
  "gantry/>",
  "$JS.API.STREAM.LIST",
  "_INBOX.x",
  "a b",
  "a\tb",
  "%00",
  "%2e%2e",
  "..",
  "%2F",
  "%ff%fe",
  "%e2%80%ae",
  "é",
  "🙂",
  "a".repeat(9000),
  "b".repeat(300),
  "-",
  "_",
  "0",
  "-1",
  "1e309",
  "null",
  "undefined",
  "__proto__",
  "constructor",
  "' OR '1'='1",
  "<script>alert(1)</script>",
  "$\u007Bjndi:ldap://x}",
  "\\",
  "a;b",
  "a,b",
  "a=b",
  `r8_${"z".repeat(40)}`,
  "zzzzzzzzzzzzzzzzzzzzzzzzzz",
  "0".repeat(64),
  "f".repeat(63),
];

const JSON_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  -0,
  2 ** 53 + 1,
  "",
  "x",
  "a".repeat(5000),
  [],
  {},
  [null],
  { __proto__: { polluted: true } },
  { constructor: { prototype: { polluted: true } } },
  "data:text/plain;base64,aGk=",
  "data:;base64,!!!",
  "http://127.0.0.1:4222/",
  "http://[::ffff:127.0.0.1]/",
  "http://169.254.169.254/latest/meta-data/",
  "file:///etc/passwd",
  "javascript:alert(1)",
];

/** The API's routes: a method, a path template, and whether its body is JSON. */
const ROUTES: [string, string, FuzzRequest["creates"]?][] = [
  ["GET", "/v1/account"],
  ["GET", "/v1/account/usage"],
  ["GET", "/v1/collections"],
  ["GET", "/v1/collections/{seg}"],
  ["GET", "/v1/search"],
  ["GET", "/v1/deployments"],
  ["POST", "/v1/deployments", "deployment"],
  ["GET", "/v1/deployments/{seg}/{seg}"],
  ["PATCH", "/v1/deployments/{seg}/{seg}"],
  ["DELETE", "/v1/deployments/{seg}/{seg}"],
  ["POST", "/v1/deployments/{seg}/{seg}/predictions", "prediction"],
  ["GET", "/v1/files"],
  ["POST", "/v1/files", "file"],
  ["GET", "/v1/files/{seg}"],
  ["DELETE", "/v1/files/{seg}"],
  ["GET", "/v1/files/{seg}/download"],
  ["GET", "/v1/hardware"],
  ["GET", "/v1/models"],
  ["POST", "/v1/models", "model"],
  ["QUERY", "/v1/models"],
  ["GET", "/v1/models/{seg}/{seg}"],
  ["PATCH", "/v1/models/{seg}/{seg}"],
  ["DELETE", "/v1/models/{seg}/{seg}"],
  ["GET", "/v1/models/{seg}/{seg}/readme"],
  ["GET", "/v1/models/{seg}/{seg}/examples"],
  ["GET", "/v1/models/{seg}/{seg}/versions"],
  ["POST", "/v1/models/{seg}/{seg}/versions", "version"],
  ["GET", "/v1/models/{seg}/{seg}/versions/{seg}"],
  ["DELETE", "/v1/models/{seg}/{seg}/versions/{seg}"],
  ["POST", "/v1/models/{seg}/{seg}/versions/{seg}/trainings", "training"],
  ["POST", "/v1/models/{seg}/{seg}/predictions", "prediction"],
  ["GET", "/v1/predictions"],
  ["POST", "/v1/predictions", "prediction"],
  ["GET", "/v1/predictions/{seg}"],
  ["GET", "/v1/predictions/{seg}/webhooks"],
  ["POST", "/v1/predictions/{seg}/cancel"],
  ["GET", "/v1/streams/{seg}/{seg}"],
  ["GET", "/v1/trainings"],
  ["GET", "/v1/trainings/{seg}"],
  ["POST", "/v1/trainings/{seg}/cancel"],
  ["GET", "/v1/webhooks/default/secret"],
  ["GET", "/v1/openapi.json"],
  ["GET", "/health"],
  ["GET", "/docs"],
];

/** Methods `fetch` can send (it refuses TRACE, TRACK and CONNECT). */
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "QUERY", "PROPFIND", "MKCOL"];

/** What a real route looks like, so that some requests get past the router to deeper code. */
export interface FuzzContext {
  token: string;
  /** Real names that exist: an owner, a model, a version id, a prediction id, a file id. */
  real: { owner: string; model: string; version: string; prediction: string; file: string };
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function jsonValue(rand: () => number, depth = 0): unknown {
  const r = rand();
  if (depth > 3 || r < 0.5) return pick(rand, JSON_VALUES);
  if (r < 0.75) return Array.from({ length: Math.floor(rand() * 4) }, () => jsonValue(rand, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(rand() * 5); i > 0; i--) o[pick(rand, FIELD_NAMES)] = jsonValue(rand, depth + 1);
  return o;
}

const FIELD_NAMES = [
  "input",
  "version",
  "webhook",
  "webhook_events_filter",
  "stream",
  "model",
  "name",
  "owner",
  "visibility",
  "hardware",
  "min_instances",
  "max_instances",
  "destination",
  "url",
  "command",
  "image",
  "description",
  "tokens",
  "text",
  "__proto__",
  "constructor",
];

/** A body: valid-looking JSON of the wrong shape, broken JSON, deep nesting, or bytes. */
function body(rand: () => number, ctx: FuzzContext): string | Uint8Array<ArrayBuffer> {
  const r = rand();
  if (r < 0.3) return JSON.stringify(jsonValue(rand));
  if (r < 0.45) {
    const input: Record<string, unknown> = { tokens: pick(rand, [1, 0, -5, "3", 1e9, null, [1]]) };
    if (rand() < 0.5) input[pick(rand, FIELD_NAMES)] = jsonValue(rand);
    const o: Record<string, unknown> = { input };
    if (rand() < 0.5)
      o.version = pick(rand, [ctx.real.version, `${ctx.real.owner}/${ctx.real.model}`, pick(rand, HOSTILE_SEGMENTS)]);
    if (rand() < 0.4) o.webhook = pick(rand, JSON_VALUES);
    if (rand() < 0.2) o.webhook_events_filter = jsonValue(rand);
    return JSON.stringify(o);
  }
  if (r < 0.5) return "[".repeat(2000 + Math.floor(rand() * 100_000)) + "]".repeat(10);
  if (r < 0.55) {
    const depth = 1000 + Math.floor(rand() * 20_000);
    return `{"input":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`;
  }
  if (r < 0.65) return pick(rand, ["{", '{"input":', "nul", "\u0000", '{"a":1,}', "\ufeff{}", "{}{}", "'x'"]);
  if (r < 0.75) return new Uint8Array(Array.from({ length: Math.floor(rand() * 512) }, () => Math.floor(rand() * 256)));
  if (r < 0.8) return JSON.stringify({ input: { text: "x".repeat(Math.floor(rand() * 3_000_000)) } });
  return JSON.stringify({ [pick(rand, FIELD_NAMES)]: jsonValue(rand) });
}

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-16",
  "text/plain",
  "multipart/form-data",
  "multipart/form-data; boundary=",
  "multipart/form-data; boundary=x",
  "application/x-www-form-urlencoded",
  "application/octet-stream",
  "",
];

function segment(rand: () => number, ctx: FuzzContext, index: number): string {
  if (rand() < 0.25) {
    const real = [ctx.real.owner, ctx.real.model, ctx.real.version, ctx.real.prediction, ctx.real.file];
    return real[Math.min(index, real.length - 1)] ?? "";
  }
  const s = pick(rand, HOSTILE_SEGMENTS);
  return /%/.test(s) ? s : encodeURIComponent(s);
}

function query(rand: () => number): string {
  if (rand() < 0.6) return "";
  const keys = [
    "cursor",
    "query",
    "created_after",
    "created_before",
    "wait",
    "last_event_id",
    "owner",
    "expiry",
    "signature",
  ];
  const parts = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => {
    const v = pick(rand, [...HOSTILE_SEGMENTS.slice(0, 20), "2026-13-45", "-1", "1e99", "bm9wZQ", "%"]);
    return `${pick(rand, keys)}=${/%/.test(v) ? v : encodeURIComponent(v)}`;
  });
  return `?${parts.join("&")}`;
}

/** The `n`th request of a run seeded with `seed`. */
export function* fuzzRequests(seed: number, count: number, ctx: FuzzContext): Generator<FuzzRequest> {
  const rand = prng(seed);
  for (let n = 0; n < count; n++) {
    const [routeMethod, template, creates] = pick(rand, ROUTES);
    let i = 0;
    const path = template.replace(/\{seg\}/g, () => segment(rand, ctx, i++)) + query(rand);
    const method = rand() < 0.85 ? routeMethod : pick(rand, METHODS);
    const headers: Record<string, string> = {};
    const auth = rand();
    if (auth < 0.8) headers.authorization = `Bearer ${ctx.token}`;
    else if (auth < 0.85) headers.authorization = `Token ${ctx.token}`;
    else if (auth < 0.9)
      headers.authorization = pick(rand, [
        "Bearer",
        "Bearer ",
        "Basic Zm9vOmJhcg==",
        `Bearer ${"x".repeat(9000)}`,
        "Bearer \u00ff",
      ]);
    if (rand() < 0.2)
      headers.prefer = pick(rand, [
        "wait",
        "wait=0",
        "wait=-1",
        "wait=abc",
        "wait=99999999",
        "respond-async",
        "wait=5, wait=1",
      ]);
    if (rand() < 0.1) headers["cancel-after"] = pick(rand, ["1s", "0", "-5m", "abc", "99999h", "1.5.3s"]);
    if (rand() < 0.1) headers["last-event-id"] = pick(rand, ["0", "-1", "abc", "9".repeat(30)]);
    const hasBody = method !== "GET" && method !== "HEAD" && rand() < 0.9;
    const req: FuzzRequest = { method, path, headers, ...(creates && method === routeMethod ? { creates } : {}) };
    if (hasBody) {
      req.body = body(rand, ctx);
      headers["content-type"] = pick(rand, CONTENT_TYPES);
    }
    yield req;
  }
}
