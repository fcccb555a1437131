import { AppError, type InvalidField } from "@gantry/contracts/errors";
import { problemDetail } from "./core/input-schema.ts";

/** What the input transform needs to know about stored files. */
export interface FileLookup {
  /** The account owning file `id`, or null when there is no such live (unexpired) file. */
  ownerOf(id: string): Promise<string | null>;
  /** A URL that downloads the file without an Authorization header (a signed URL). */
  signedUrl(baseUrl: string, owner: string, id: string): Promise<string>;
}

const FILE_ID = /^[a-z0-9]{26}$/;

interface FileRef {
  field: string;
  id: string;
}

function fileIdOf(value: string, prefix: string): string | null {
  if (!value.startsWith(prefix)) return null;
  const id = value.slice(prefix.length);
  return FILE_ID.test(id) ? id : null;
}

function collect(value: unknown, field: string, prefix: string, out: FileRef[]): void {
  if (typeof value === "string") {
    const id = fileIdOf(value, prefix);
    if (id) out.push({ field, id });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      collect(v, `${field}.${i}`, prefix, out);
    });
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) collect(v, `${field}.${k}`, prefix, out);
  }
}

function replace(value: unknown, prefix: string, urls: Map<string, string>): unknown {
  if (typeof value === "string") {
    const id = fileIdOf(value, prefix);
    return (id && urls.get(id)) ?? value;
  }
  if (Array.isArray(value)) return value.map((v) => replace(v, prefix, urls));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v, prefix, urls)]));
  }
  return value;
}

/**
 * Replaces every input string (at any depth, in arrays and objects) that is the `urls.get` of a
 * file, `<baseUrl>/v1/files/<id>`, with a signed download URL the agent and the model can fetch
 * without credentials. Another account's file, or one that is gone or expired, is a 422
 * `invalid_file` on that field. Inputs without file URLs come back unchanged (the same object).
 */
export async function resolveFileInputs(
  input: Record<string, unknown>,
  accountId: string,
  baseUrl: string,
  lookup: FileLookup,
): Promise<Record<string, unknown>> {
  const base = baseUrl.replace(/\/+$/, "");
  const prefix = `${base}/v1/files/`;
  const refs: FileRef[] = [];
  for (const [name, value] of Object.entries(input)) collect(value, `input.${name}`, prefix, refs);
  if (refs.length === 0) return input;

  const ids = [...new Set(refs.map((r) => r.id))];
  const owners = await Promise.all(ids.map((id) => lookup.ownerOf(id)));
  const urls = new Map<string, string>();
  const problems: InvalidField[] = [];
  await Promise.all(
    ids.map(async (id, i) => {
      if (owners[i] === accountId) urls.set(id, await lookup.signedUrl(base, accountId, id));
    }),
  );
  for (const ref of refs) {
    if (!urls.has(ref.id)) {
      problems.push({
        type: "invalid_file",
        field: ref.field,
        description: `File not found: ${prefix}${ref.id} (files expire 24 hours after upload)`,
      });
    }
  }
  if (problems.length > 0) {
    throw new AppError("INPUT_VALIDATION", problemDetail(problems), { invalidFields: problems });
  }
  return replace(input, prefix, urls) as Record<string, unknown>;
}
