import { AppError } from "@gantry/contracts/errors";

/** One part's headers: its form field name, its filename and content type when sent. */
export interface PartHead {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
}

/** What a multipart body reads as: a part's head, then its bytes in pieces, for each part in turn. */
export type MultipartEvent = { kind: "part"; head: PartHead } | { kind: "data"; chunk: Uint8Array };

const MAX_HEADER_BYTES = 16 * 1024;
const CRLF = new Uint8Array([13, 10]);
const CRLFCRLF = new Uint8Array([13, 10, 13, 10]);

const malformed = (why: string) =>
  new AppError("BAD_REQUEST", `The multipart/form-data body is malformed: ${why}.`, {
    title: "Invalid multipart body",
  });

/** The boundary of a `multipart/form-data` Content-Type, or null for any other type. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m?.[1] ?? m?.[2] ?? null;
}

/** Index of `needle` in `hay` at or after `from`, or -1 (first byte found natively, then compared). */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  if (first === undefined) return from;
  const last = hay.length - needle.length;
  for (let i = hay.indexOf(first, from); i !== -1 && i <= last; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A header parameter: `name="quoted \"value\""`, `name=token`, or RFC 5987 `name*=UTF-8''pct`. */
function param(header: string, key: string): string | undefined {
  const ext = new RegExp(`;\\s*${key}\\*\\s*=\\s*([^;]*)`, "i").exec(header);
  if (ext?.[1]) {
    const m = /^[\w-]+'[^']*'(.*)$/.exec(ext[1].trim());
    try {
      if (m?.[1] !== undefined) return decodeURIComponent(m[1]);
    } catch {
      // fall back to the plain parameter
    }
  }
  const m = new RegExp(`;\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, "i").exec(header);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2];
}

export function parsePartHead(bytes: Uint8Array): PartHead {
  const lines = new TextDecoder().decode(bytes).split("\r\n");
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-disposition") disposition = value;
    else if (key === "content-type") contentType = value;
  }
  if (!disposition || !/^form-data\s*(;|$)/i.test(disposition)) throw malformed("a part has no form-data disposition");
  const name = param(disposition, "name");
  if (name === undefined) throw malformed("a part has no name");
  return { name, filename: param(disposition, "filename"), contentType };
}

/**
 * Reads a `multipart/form-data` body (RFC 7578) as it arrives: a part's bytes are handed on as
 * they come, never held whole, so a large file streams straight through. Throws a 400 `AppError`
 * on a malformed body or one that ends early.
 */
export async function* readMultipart(
  body: AsyncIterable<Uint8Array>,
  boundary: string,
): AsyncGenerator<MultipartEvent, void, undefined> {
  // Every delimiter, the first included, is read as CRLF "--" boundary: the body is read as if it
  // began with a CRLF.
  const delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
  let buf: Uint8Array = CRLF;
  let state: "preamble" | "after-delimiter" | "head" | "body" | "done" = "preamble";
  const keep = delimiter.length - 1;
  let ended = false;
  const chunks = body[Symbol.asyncIterator]();
  const more = async () => {
    const next = await chunks.next();
    if (next.done) ended = true;
    else buf = concat(buf, next.value);
    return !next.done;
  };

  for (;;) {
    if (state === "done") {
      // The epilogue is ignored, but read to the end so the sender is not cut off.
      while (await more()) buf = new Uint8Array(0);
      return;
    }
    if (state === "preamble" || state === "body") {
      const at = indexOfBytes(buf, delimiter);
      if (at >= 0) {
        if (state === "body" && at > 0) yield { kind: "data", chunk: buf.subarray(0, at) };
        buf = buf.subarray(at + delimiter.length);
        state = "after-delimiter";
        continue;
      }
      // The tail may be the start of a delimiter: keep it until more arrives.
      if (buf.length > keep) {
        if (state === "body") yield { kind: "data", chunk: buf.subarray(0, buf.length - keep) };
        buf = buf.subarray(buf.length - keep);
      }
      if (ended || !(await more())) throw malformed("it ends before the closing boundary");
      continue;
    }
    if (state === "after-delimiter") {
      const eol = indexOfBytes(buf, CRLF);
      if (buf.length >= 2 && buf[0] === 45 && buf[1] === 45) {
        state = "done";
        continue;
      }
      if (eol < 0) {
        if (buf.length > 256) throw malformed("a boundary line is too long");
        if (ended || !(await more())) throw malformed("it ends before the closing boundary");
        continue;
      }
      // Transport padding (spaces or tabs) may follow a delimiter before its CRLF.
      if (!/^[ \t]*$/.test(new TextDecoder().decode(buf.subarray(0, eol)))) throw malformed("bad boundary line");
      buf = buf.subarray(eol + 2);
      state = "head";
      continue;
    }
    const end = indexOfBytes(buf, CRLFCRLF);
    // A part with no headers at all starts right away with the blank line.
    const bare = buf.length >= 2 && buf[0] === 13 && buf[1] === 10;
    if (end < 0 && !bare) {
      if (buf.length > MAX_HEADER_BYTES) throw malformed("a part's headers are too large");
      if (ended || !(await more())) throw malformed("it ends inside a part's headers");
      continue;
    }
    const headEnd = bare ? 0 : end;
    yield { kind: "part", head: parsePartHead(buf.subarray(0, headEnd)) };
    buf = buf.subarray(headEnd + (bare ? 2 : 4));
    state = "body";
  }
}
