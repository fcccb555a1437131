/**
 * How the gateway serves bytes a tenant (or a tenant's model) chose: never as something a browser
 * runs on the gateway's origin. Pure: headers only.
 */

/**
 * Types a browser shows without running anything (raster images, audio, video, plain text):
 * served inline, so output images still show in pages and `<img>`. Everything else, including
 * HTML, SVG, XML, JavaScript, CSS, PDF, JSON, multipart and anything unknown, is an attachment.
 */
const INLINE_TYPES = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
  "audio/mpeg",
  "audio/mp4",
  "audio/aac",
  "audio/ogg",
  "audio/opus",
  "audio/wav",
  "audio/x-wav",
  "audio/webm",
  "audio/flac",
  "video/mp4",
  "video/webm",
  "video/ogg",
  "video/quicktime",
  "text/plain",
]);

/**
 * A document that runs nothing and loads nothing, in a sandbox (a unique origin, no scripts, no
 * forms, no plugins). Inline styles stay allowed so the browser's own image and media viewers
 * lay out as usual.
 */
export const DOWNLOAD_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
/** Every other gateway response: JSON, problems, streams, model READMEs (plain text). */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** On every gateway answer: never sniffed, never a referrer (and a CSP: `API_CSP` unless the route set its own). */
export const ANSWER_HEADERS = { "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" } as const;
/** The API reference page (`/docs`): its own inline styles, nothing else. */
export const DOCS_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const CHARSET = /^[a-z0-9._-]{1,40}$/;

/**
 * The type to serve a stored `content_type` as: its lowercased `type/subtype` (and a `charset`
 * when one is given and plausible), or `application/octet-stream` when it does not parse.
 */
export function servedContentType(stored: string): string {
  const [essence = "", ...params] = stored.split(";").map((p) => p.trim().toLowerCase());
  const [type, subtype, extra] = essence.split("/");
  if (!type || !subtype || extra !== undefined || !TOKEN.test(type) || !TOKEN.test(subtype)) {
    return "application/octet-stream";
  }
  const charset = params
    .map((p) => /^charset\s*=\s*"?([^";]*)"?$/.exec(p)?.[1])
    .find((c): c is string => c !== undefined && CHARSET.test(c));
  return charset ? `${type}/${subtype}; charset=${charset}` : `${type}/${subtype}`;
}

/** Whether a served type may be shown inline (see `INLINE_TYPES`). */
export const isInlineType = (served: string) => INLINE_TYPES.has(served.split(";")[0] ?? "");

/** RFC 5987 `value-chars`: attr-chars as they are, every other UTF-8 byte percent-encoded. */
const encodeRfc5987 = (s: string) =>
  encodeURIComponent(s).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * A `Content-Disposition` value (RFC 6266): an ASCII `filename` for old clients and the exact
 * name as `filename*` (RFC 5987, UTF-8) for every current one. Path separators, quotes, control
 * and non-ASCII characters never reach the quoted fallback.
 *
 * @example
 * contentDisposition("attachment", "résumé.html")
 * // `attachment; filename="r_sum_.html"; filename*=UTF-8''r%C3%A9sum%C3%A9.html`
 */
export function contentDisposition(kind: "inline" | "attachment", name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
  const clean = name.replace(/[\u0000-\u001f\u007f/\\]/g, "_").trim() || "file";
  const fallback = clean.replace(/[^\x20-\x7e]|["%]/g, "_");
  const star = fallback === clean ? "" : `; filename*=UTF-8''${encodeRfc5987(clean)}`;
  return `${kind}; filename="${fallback}"${star}`;
}

/**
 * Headers for a download of a stored file: the type it was stored with (normalised), inline only
 * for types that cannot run, no sniffing, a sandboxing CSP, and a `Cross-Origin-Resource-Policy`
 * that lets other sites embed images and media but not load an attachment as a script or style.
 */
export function downloadHeaders(storedType: string, name: string): Record<string, string> {
  const type = servedContentType(storedType);
  const inline = isInlineType(type);
  return {
    "content-type": type,
    "content-disposition": contentDisposition(inline ? "inline" : "attachment", name),
    "x-content-type-options": "nosniff",
    "content-security-policy": DOWNLOAD_CSP,
    "cross-origin-resource-policy": inline ? "cross-origin" : "same-origin",
  };
}
