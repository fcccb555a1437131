import { AppError, type InvalidField } from "@gantry/contracts/errors";
import { checkEgressUrl, EgressRefused, type Lookup } from "@gantry/platform/egress";
import { problemDetail } from "./core/input-schema.ts";

/** More URLs than this in one input is a 422: each is resolved and checked. */
const MAX_URLS = 32;

interface UrlRef {
  field: string;
  url: string;
}

function parses(url: string): boolean {
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}

function collect(value: unknown, field: string, out: UrlRef[]): void {
  if (typeof value === "string") {
    // A bare URL (prose that starts with one is text, and no server fetches what does not parse).
    if (/^https?:\/\/\S+$/i.test(value) && parses(value)) out.push({ field, url: value });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      collect(v, `${field}.${i}`, out);
    });
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) collect(v, `${field}.${k}`, out);
  }
}

/** The platform's own file URLs (`urls.get`, signed downloads) on its origin: no egress at all. */
function isOwnFileUrl(url: string, base: string): boolean {
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
  baseUrl: string,
  lookup: Lookup | undefined,
): Promise<void> {
  const refs: UrlRef[] = [];
  for (const [name, value] of Object.entries(input)) collect(value, `input.${name}`, refs);
  const foreign = refs.filter((r) => !isOwnFileUrl(r.url, baseUrl));
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
