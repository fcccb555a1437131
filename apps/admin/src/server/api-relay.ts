import type { Logger } from "@gantry/platform/logger";
import { loggedResource, RELAY_CSP, relayableAnswer, relayRefusal } from "./core/web-policy.ts";

/** Hop-by-hop headers, and those `fetch` sets itself or undoes (it decompresses). */
const DROP_REQUEST = ["host", "connection", "keep-alive", "content-length", "transfer-encoding", "accept-encoding"];
const DROP_RESPONSE = ["connection", "keep-alive", "content-length", "transfer-encoding", "content-encoding"];

const problem = (status: number, title: string, detail: string) =>
  new Response(JSON.stringify({ title, detail, status }), {
    status,
    headers: { "content-type": "application/problem+json", "content-security-policy": RELAY_CSP },
  });

/**
 * Relays `/api/v1/<path>` to `<apiUrl>/v1/<path>` unchanged (method, body, the user's
 * Authorization): the web UI calls the public API from its own origin, so the gateway needs no
 * CORS. Only JSON comes back this way (core/web-policy.ts): downloads and streams are refused
 * (403) before they are asked for, and any other answer that is not JSON is refused (502).
 */
export async function relay(req: Request, apiUrl: string, log: Logger): Promise<Response> {
  const url = new URL(req.url);
  const refusal = relayRefusal(url.pathname);
  if (refusal) return problem(403, "Not relayed", refusal);
  const target = `${apiUrl.replace(/\/+$/, "")}${url.pathname.replace(/^\/api/, "")}${url.search}`;
  const headers = new Headers(req.headers);
  for (const h of DROP_REQUEST) headers.delete(h);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  let res: Response;
  try {
    res = await fetch(target, {
      method: req.method,
      headers,
      body: hasBody ? req.body : null,
      redirect: "manual",
      signal: req.signal,
      ...(hasBody ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch (err) {
    log.warn("api relay failed", { method: req.method, resource: loggedResource(url.pathname), err: String(err) });
    return problem(502, "Bad gateway", "The Gantry API could not be reached.");
  }
  if (!relayableAnswer(res.status, res.headers.get("content-type"), res.headers.get("content-disposition"))) {
    await res.body?.cancel().catch(() => undefined);
    return problem(502, "Bad gateway", "The API answered with something other than JSON, which is not relayed.");
  }
  const out = new Headers(res.headers);
  for (const h of DROP_RESPONSE) out.delete(h);
  out.set("content-security-policy", RELAY_CSP);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers: out });
}
