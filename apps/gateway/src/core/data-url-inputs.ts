import { AppError, type InvalidField } from "@gantry/contracts/errors";
import { problemDetail } from "./input-schema.ts";

/** A data URL taken out of an input, to be stored as a file with this id. */
export interface ExtractedDataUrl {
  id: string;
  field: string;
  contentType: string;
  bytes: Uint8Array;
  /** A file name for it: the field's last segment and an extension for common types. */
  name: string;
}

const DATA_URL = /^data:([^,]*?)(;base64)?,/i;

const EXTENSIONS: Record<string, string> = {
  "image/png": ".png",
  "image/jpeg": ".jpg",
  "image/webp": ".webp",
  "image/gif": ".gif",
  "audio/wav": ".wav",
  "audio/mpeg": ".mp3",
  "video/mp4": ".mp4",
  "application/pdf": ".pdf",
  "text/plain": ".txt",
  "application/json": ".json",
  "application/octet-stream": ".bin",
};

function decodeDataUrl(value: string): { contentType: string; bytes: Uint8Array } | null {
  const head = DATA_URL.exec(value);
  if (!head) return null;
  const contentType = (head[1] ?? "").split(";")[0]?.trim().toLowerCase() || "text/plain";
  const data = value.slice(head[0].length);
  try {
    if (head[2]) {
      const binary = atob(data.replace(/\s+/g, ""));
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      return { contentType, bytes };
    }
    return { contentType, bytes: percentDecode(data) };
  } catch {
    return null;
  }
}

/** RFC 3986 percent-decoding to bytes (a data URL's text need not be UTF-8). */
function percentDecode(s: string): Uint8Array {
  const out: number[] = [];
  const plain = new TextEncoder();
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "%") {
      const byte = Number.parseInt(s.slice(i + 1, i + 3), 16);
      if (!/^[0-9a-f]{2}$/i.test(s.slice(i + 1, i + 3)) || Number.isNaN(byte)) throw new Error("bad escape");
      out.push(byte);
      i += 2;
    } else {
      const cp = s.codePointAt(i) ?? 0;
      const ch = String.fromCodePoint(cp);
      out.push(...plain.encode(ch));
      i += ch.length - 1;
    }
  }
  return Uint8Array.from(out);
}

/**
 * Takes every data URL longer than `thresholdBytes` (at any depth, in arrays and objects) out of
 * an input: each is replaced with `urlFor(id)` (the file's `urls.get`) and returned decoded, to be
 * stored as a file. Shorter data URLs and everything else stay. A large `data:` string that does
 * not decode is a 422 on its field. Inputs without large data URLs come back unchanged.
 */
export function extractDataUrls(
  input: Record<string, unknown>,
  o: { thresholdBytes: number; newId: () => string; urlFor: (id: string) => string },
): { input: Record<string, unknown>; files: ExtractedDataUrl[] } {
  const files: ExtractedDataUrl[] = [];
  const problems: InvalidField[] = [];
  const walk = (value: unknown, field: string, key: string): unknown => {
    if (typeof value === "string") {
      if (value.length <= o.thresholdBytes || !/^data:/i.test(value)) return value;
      const decoded = decodeDataUrl(value);
      if (!decoded) {
        problems.push({ type: "invalid_data_url", field, description: "Not a valid data URL" });
        return value;
      }
      const id = o.newId();
      const base = key.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 64) || "input";
      files.push({ id, field, ...decoded, name: `${base}${EXTENSIONS[decoded.contentType] ?? ""}` });
      return o.urlFor(id);
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${field}.${i}`, key));
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, `${field}.${k}`, k)]));
    }
    return value;
  };
  const out = Object.fromEntries(Object.entries(input).map(([k, v]) => [k, walk(v, `input.${k}`, k)]));
  if (problems.length > 0) {
    throw new AppError("INPUT_VALIDATION", problemDetail(problems), { invalidFields: problems });
  }
  return files.length > 0 ? { input: out, files } : { input, files };
}

/** Bytes of a value's JSON (UTF-8), as it is stored and sent. */
export function jsonBytes(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value)).length;
}
