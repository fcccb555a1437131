import { EgressRefused } from "./egress.ts";

export interface LimitedAnswer {
  status: number;
  contentType: string | null;
  body: Uint8Array;
}

export interface LimitedFetchOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** An answer longer than this is cut off: the request fails. */
  maxBytes: number;
  /** The fetch to use (the runtime's by default). */
  fetch?: typeof fetch;
}

/** Reads at most `max` bytes of a body; more is a failure (the stream is canceled). */
export async function readCapped(body: ReadableStream<Uint8Array> | null, max: number, what: string) {
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw new EgressRefused(`the answer from ${what} is larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** `fetch` refused the URL's port without trying it (Node's "bad ports"); `node:http` has no such list. */
export class BadPortRefused extends Error {
  override readonly name = "BadPortRefused";
}

const isBadPort = (err: unknown) => (err as { cause?: { message?: unknown } }).cause?.message === "bad port";

/**
 * What `fetch` hides behind "fetch failed": the system's code (`ECONNREFUSED`), or its own
 * refusal. Node's fetch (undici) refuses the Fetch standard's "bad ports" (6000, 5060, 6665–6669…)
 * without connecting; that one is said in full, since nothing else would explain it.
 */
function causeOf(err: unknown, url: URL): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === "string") return ` (${cause.code})`;
  if (isBadPort(err)) {
    return `: this runtime's fetch refuses port ${url.port} (one of the Fetch standard's "bad ports"); serve it on another port`;
  }
  return typeof cause?.message === "string" ? ` (${cause.message})` : "";
}

/**
 * One request with the runtime's `fetch` (Node or workerd), bounded: no redirects (a 3xx is a
 * failure), a time limit, a cap on the answer's size. Errors say what happened to `url`, never
 * what the server said. It checks no address: use it after `checkEgressUrl` for literals, and on
 * Node prefer `egress-node.ts` for tenants' URLs, which checks the address connected to.
 */
export async function fetchLimited(url: URL, o: LimitedFetchOptions): Promise<LimitedAnswer> {
  const where = url.href;
  let res: Response;
  try {
    res = await (o.fetch ?? fetch)(url, {
      method: o.method ?? "GET",
      ...(o.headers ? { headers: o.headers } : {}),
      ...(o.body !== undefined ? { body: o.body } : {}),
      redirect: "manual",
      signal: AbortSignal.timeout(o.timeoutMs),
    });
  } catch (err) {
    if (err instanceof Error && err.name === "TimeoutError")
      throw new Error(`no answer from ${where} within ${o.timeoutMs} ms`);
    const message = `could not connect to ${where}${causeOf(err, url)}`;
    throw isBadPort(err) ? new BadPortRefused(message, { cause: err }) : new Error(message, { cause: err });
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel().catch(() => {});
    throw new EgressRefused(`the server at ${where} answered ${res.status} (a redirect, which is not followed)`);
  }
  let body: Uint8Array;
  try {
    body = await readCapped(res.body, o.maxBytes, where);
  } catch (err) {
    if (err instanceof EgressRefused) throw err;
    throw new Error(`the answer from ${where} was cut off`);
  }
  return { status: res.status, contentType: res.headers.get("content-type"), body };
}

/** JSON from a 2xx answer of `fetchLimited`; anything else is an error that names only the status. */
export async function fetchJson(url: URL, o: LimitedFetchOptions): Promise<unknown> {
  const answer = await fetchLimited(url, o);
  if (answer.status < 200 || answer.status > 299)
    throw new Error(`the server at ${url.href} answered ${answer.status}`);
  try {
    return JSON.parse(new TextDecoder().decode(answer.body));
  } catch {
    throw new Error(`the server at ${url.href} did not answer JSON`);
  }
}
