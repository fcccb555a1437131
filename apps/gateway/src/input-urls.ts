import { AppError, type InvalidField } from "@gantry/contracts/errors";
import { checkEgressUrl, EgressRefused, type Lookup } from "@gantry/platform/egress";
import { problemDetail } from "./core/input-schema.ts";

/** More URLs than this in one input is a 422: each is resolved and checked. */
const MAX_URLS = 32;

interface UrlRef {
  field: string;
  url: string;
}

/**
 * The URL a model server would fetch for `value`, if any. Cog downloads inputs that start with
 * `http(s)://`, and Python's URL parsing drops tabs and newlines anywhere and stops the host at
 * the first space, as WHATWG's does: so the host is read from the text up to the first space,
 * after leading blanks and controls, and any such string is judged (prose that starts with a
 * URL included).
 */
function fetchedUrl(value: string): string | null {
  let start = 0;
  while (start < value.length && value.charCodeAt(start) <= 0x20) start++;
  const head = value.slice(start);
  if (!/^https?:/i.test(head)) return null;
  try {
    return new URL(head.split(" ")[0] ?? "").href;
  } catch {
    return null;
  }
}

function collect(value: unknown, field: string, out: UrlRef[]): void {
  if (typeof value === "string") {
    const url = fetchedUrl(value);
    if (url) out.push({ field, url });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      collect(v, `${field}.${i}`, out);
    });
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) collect(v, `${field}.${k}`, out);
  }
}

/**
 * The platform's own file URLs (`urls.get`, signed downloads) on its configured public origin:
 * no egress at all. Without a configured origin nothing is exempt (the request's Host header is
 * the client's to choose).
 */
function isOwnFileUrl(url: string, base: string | null): boolean {
  if (!base) return false;
  const prefix = `${base.replace(/\/+$/, "")}/v1/files/`;
  return url.startsWith(prefix) && /^[a-z0-9]{26}(\/download(\?[^#]*)?)?$/.test(url.slice(prefix.length));
}

/**
 * Model servers download URL inputs (Cog does), from the agent's host: every input string (at any
 * depth) that is an http(s) URL goes through the egress guard first. One whose host is a refused
 * address, or a name resolving to one (`lookup`, Node), is a 422 `invalid_url` on its field.
 * The platform's own file URLs pass. On workerd (no resolver) only literal hosts are judged.
 */
export async function checkInputUrls(
  input: Record<string, unknown>,
  publicUrl: string | null,
  lookup: Lookup | undefined,
): Promise<void> {
  const refs: UrlRef[] = [];
  for (const [name, value] of Object.entries(input)) collect(value, `input.${name}`, refs);
  const foreign = refs.filter((r) => !isOwnFileUrl(r.url, publicUrl));
  if (foreign.length === 0) return;
  const problems: InvalidField[] = [];
  if (foreign.length > MAX_URLS) {
    problems.push({ type: "invalid_url", field: "input", description: `at most ${MAX_URLS} URLs per input` });
  } else {
    await Promise.all(
      foreign.map(async (ref) => {
        try {
          await checkEgressUrl(ref.url, { allowPrivate: false, ...(lookup ? { lookup } : {}) });
        } catch (err) {
          if (!(err instanceof EgressRefused)) throw err;
          problems.push({ type: "invalid_url", field: ref.field, description: `${ref.url}: ${err.message}` });
        }
      }),
    );
  }
  if (problems.length > 0) {
    problems.sort((a, b) => a.field.localeCompare(b.field));
    throw new AppError("INPUT_VALIDATION", problemDetail(problems), { invalidFields: problems });
  }
}
