/**
 * `data:` URLs in model output (Cog's default for file outputs, reference §2.3): parsing, and
 * finding them anywhere in an output value. Pure.
 */

export interface DataUrl {
  /** The media type with its parameters, e.g. `image/png` or `text/plain;charset=utf-8`. */
  contentType: string;
  bytes: Uint8Array;
}

const DEFAULT_TYPE = "text/plain;charset=US-ASCII";

export function isDataUrl(value: unknown): value is string {
  return typeof value === "string" && value.startsWith("data:");
}

/** RFC 2397: `data:[<mediatype>][;base64],<data>`. `null` when it is not a well-formed one. */
export function parseDataUrl(url: string): DataUrl | null {
  if (!url.startsWith("data:")) return null;
  const comma = url.indexOf(",");
  if (comma < 0) return null;
  const params = url.slice(5, comma).split(";");
  const base64 = params.at(-1)?.toLowerCase() === "base64";
  if (base64) params.pop();
  const [mime = "", ...rest] = params;
  const contentType = mime.includes("/") ? [mime.toLowerCase(), ...rest].join(";") : DEFAULT_TYPE;
  const data = url.slice(comma + 1);
  if (base64) {
    const clean = data.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean)) return null;
    return { contentType, bytes: Buffer.from(clean, "base64") };
  }
  const bytes = percentDecode(data);
  return bytes ? { contentType, bytes } : null;
}

function percentDecode(text: string): Uint8Array | null {
  const raw = Buffer.from(text, "utf8");
  const out = Buffer.alloc(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i] ?? 0;
    if (b !== 0x25) {
      out[n++] = b;
      continue;
    }
    const hex = raw.toString("latin1", i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null;
    out[n++] = Number.parseInt(hex, 16);
    i += 2;
  }
  return out.subarray(0, n);
}

/** Whether a string that `match` accepts occurs anywhere in `value` (strings, arrays, plain objects). */
export function someString(value: unknown, match: (s: string) => boolean): boolean {
  if (typeof value === "string") return match(value);
  if (Array.isArray(value)) return value.some((v) => someString(v, match));
  if (value && typeof value === "object") return Object.values(value).some((v) => someString(v, match));
  return false;
}

/**
 * `value` with every string that `match` accepts replaced by what `replace` gives for it;
 * everything else is kept as it is (the same objects, when nothing in them changes).
 */
export async function mapStrings(
  value: unknown,
  match: (s: string) => boolean,
  replace: (s: string) => Promise<string>,
): Promise<unknown> {
  if (!someString(value, match)) return value;
  if (typeof value === "string") return replace(value);
  if (Array.isArray(value)) return Promise.all(value.map((v) => mapStrings(v, match, replace)));
  const entries = Object.entries(value as Record<string, unknown>);
  const mapped = await Promise.all(entries.map(async ([k, v]) => [k, await mapStrings(v, match, replace)] as const));
  return Object.fromEntries(mapped);
}

/** Whether a data URL occurs anywhere in `value`. */
export const hasDataUrl = (value: unknown): boolean => someString(value, isDataUrl);

/** `value` with every data URL replaced by what `replace` gives for it. */
export const mapDataUrls = (value: unknown, replace: (url: string) => Promise<string>): Promise<unknown> =>
  mapStrings(value, isDataUrl, replace);

const EXTENSIONS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
  "image/gif": "gif",
  "image/svg+xml": "svg",
  "audio/wav": "wav",
  "audio/x-wav": "wav",
  "audio/mpeg": "mp3",
  "audio/ogg": "ogg",
  "video/mp4": "mp4",
  "video/webm": "webm",
  "application/json": "json",
  "application/pdf": "pdf",
  "application/zip": "zip",
  "text/plain": "txt",
  "text/csv": "csv",
  "text/html": "html",
  "model/gltf-binary": "glb",
};

/** A file-name extension for a content type (`bin` when unknown). */
export function extensionFor(contentType: string): string {
  return EXTENSIONS[contentType.split(";")[0]?.trim().toLowerCase() ?? ""] ?? "bin";
}
