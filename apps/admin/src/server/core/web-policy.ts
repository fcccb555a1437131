/**
 * What the console's origin serves, and how: its own pages under a strict policy, and from the
 * public API only JSON. Tenant bytes (files, model outputs, streams) never come from this origin,
 * whose `localStorage` holds the admin token. Pure.
 */

/**
 * The console's pages: scripts and styles only from this origin (no inline script, no eval),
 * never framed. Images, media and streams may also come from the API's origins (output files and
 * `urls.stream` are the gateway's own capability URLs).
 *
 * @example
 * consoleCsp(["http://127.0.0.1:8787"])
 * // "default-src 'self'; script-src 'self'; … connect-src 'self' http://127.0.0.1:8787; …"
 */
export function consoleCsp(apiOrigins: string[]): string {
  const api = [...new Set(apiOrigins)].join(" ");
  const plusApi = (...sources: string[]) => [...sources, api].filter(Boolean).join(" ");
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${plusApi("'self'", "data:", "blob:")}`,
    `media-src ${plusApi("'self'", "data:", "blob:")}`,
    `connect-src ${plusApi("'self'")}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Relayed API answers are data: a document made of one runs nothing, even if a browser opened it. */
export const RELAY_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'";

/** `/api/...` with percent-escapes decoded and repeated slashes folded, lowercased (null: not decodable). */
function canonical(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname)
      .replace(/\/{2,}/g, "/")
      .toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Why the relay refuses `pathname`, or null when it relays it. Only the JSON API under `/api/v1/`
 * is relayed: file downloads, event streams and WebSocket upgrades are the gateway's to serve, on
 * its own origin, at the URLs the API hands out.
 */
export function relayRefusal(pathname: string): string | null {
  const path = canonical(pathname);
  if (path === null || !path.startsWith("/api/v1/")) return "Only the JSON API under /api/v1/ is relayed.";
  if (/^\/api\/v1\/files\/[^/]+\/download(\/|$)/.test(path)) {
    return "Files are downloaded from the API's own origin: open the signed URL as the API gave it.";
  }
  if (/^\/api\/v1\/(streams|ws)(\/|$)/.test(path)) {
    return "Streams are read from the API's own origin: open urls.stream as the API gave it.";
  }
  return null;
}

/**
 * Whether an API answer may be relayed: JSON or a problem, without a `Content-Disposition` (which
 * only downloads carry), or no body at all.
 */
export function relayableAnswer(status: number, contentType: string | null, disposition: string | null): boolean {
  if (disposition !== null) return false;
  if (status === 204 || status === 205 || status === 304) return true;
  const essence = contentType?.split(";")[0]?.trim().toLowerCase();
  return essence === "application/json" || essence === "application/problem+json";
}

/** What a log line may say about a relayed path: its resource, never ids, tokens or a query. */
export function loggedResource(pathname: string): string {
  return pathname.split("?")[0]?.split("/").slice(0, 4).join("/") ?? "";
}
