import { AppError, type InvalidField } from "@gantry/contracts/errors";
import { FileMetadata, FileName } from "@gantry/contracts/files";
import type { MultipartEvent, PartHead } from "./multipart.ts";

/** `metadata`, `filename` and `type` must each be smaller than this. */
export const MAX_FIELD_BYTES = 256 * 1024;
/** A form has at most this many parts (400 past it): `content`, the three fields, and room for extras. */
export const MAX_PARTS = 64;
/** The fields read; any other part's bytes are skipped, never held. */
const KNOWN_FIELDS = new Set(["metadata", "filename", "type"]);

/** What storing the `content` part reports back. */
export interface StoredContent {
  size: number;
  sha256: string;
  md5: string;
}

/** A `POST /v1/files` form, read and checked (reference §7.1). */
export interface FormFields extends StoredContent {
  name: string;
  contentType: string;
  metadata: FileMetadata;
}

const invalid = (problems: InvalidField[]) =>
  new AppError("UNPROCESSABLE", problems.map((p) => `- ${p.field}: ${p.description}\n`).join(""), {
    title: "Validation failed",
    invalidFields: problems,
  });

function parseMetadata(text: string | undefined, problems: InvalidField[]): FileMetadata {
  if (text === undefined || text.trim() === "") return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    problems.push({ type: "invalid_type", field: "metadata", description: "metadata must be JSON" });
    return {};
  }
  const parsed = FileMetadata.safeParse(raw);
  if (parsed.success) return parsed.data;
  problems.push({ type: "invalid_type", field: "metadata", description: "metadata must be a JSON object" });
  return {};
}

/**
 * Reads the parts of a `POST /v1/files` form. The `content` part's bytes go to `store` as they
 * arrive; the other fields (`type`, `filename`, `metadata`) are small and read whole, in any
 * order, before or after `content`. Unknown fields are skipped without being held; past
 * {@link MAX_PARTS} parts the form is refused (400).
 */
export async function readFormFields(
  events: AsyncIterable<MultipartEvent>,
  store: (content: AsyncIterable<Uint8Array>) => Promise<StoredContent>,
): Promise<FormFields> {
  const it = events[Symbol.asyncIterator]();
  let pushedBack: MultipartEvent | null = null;
  const next = async (): Promise<MultipartEvent | null> => {
    if (pushedBack) {
      const e = pushedBack;
      pushedBack = null;
      return e;
    }
    const r = await it.next();
    return r.done ? null : r.value;
  };
  // A part's bytes, up to the next part's head (which is put back for the caller).
  async function* partBytes(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const e = await next();
      if (!e) return;
      if (e.kind === "part") {
        pushedBack = e;
        return;
      }
      yield e.chunk;
    }
  }

  const fields = new Map<string, string>();
  let content: { head: PartHead; stored: StoredContent } | null = null;
  let parts = 0;
  for (let e = await next(); e; e = await next()) {
    if (e.kind !== "part") continue;
    const head = e.head;
    if (++parts > MAX_PARTS) {
      throw new AppError("BAD_REQUEST", `A file upload has at most ${MAX_PARTS} parts.`, {
        title: "Invalid multipart body",
      });
    }
    if (head.name === "content") {
      if (content) throw invalid([{ type: "invalid_type", field: "content", description: "send one content part" }]);
      content = { head, stored: await store(partBytes()) };
      continue;
    }
    if (!KNOWN_FIELDS.has(head.name)) {
      for await (const _ of partBytes()); // read past it, holding nothing
      continue;
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of partBytes()) {
      size += chunk.length;
      if (size >= MAX_FIELD_BYTES) {
        throw invalid([{ type: "string_lte", field: head.name, description: `${head.name} is too large` }]);
      }
      chunks.push(chunk);
    }
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    fields.set(head.name, new TextDecoder().decode(bytes));
  }

  if (!content) throw invalid([{ type: "required", field: "content", description: "content is required" }]);
  const problems: InvalidField[] = [];
  const metadata = parseMetadata(fields.get("metadata"), problems);
  const name = fields.get("filename") || content.head.filename || "file";
  if (!FileName.safeParse(name).success) {
    problems.push({ type: "string_lte", field: "filename", description: "filename must be at most 255 bytes" });
  }
  const contentType = fields.get("type")?.trim() || content.head.contentType || "application/octet-stream";
  if (contentType.length > 255 || /[\r\n]/.test(contentType)) {
    problems.push({ type: "invalid_type", field: "type", description: "type must be a media type" });
  }
  if (problems.length > 0) throw invalid(problems);
  return { ...content.stored, name, contentType, metadata };
}
