import { Slug } from "@gantry/contracts/ids";

export type VersionRef =
  | { kind: "model"; owner: string; name: string }
  | { kind: "model-version"; owner: string; name: string; version: string }
  | { kind: "version"; version: string };

/**
 * `version` of `POST /v1/predictions`: `owner/name`, `owner/name:<64 hex>` or a bare `<64 hex>`
 * (reference §3.1). `null` when it is none of these.
 */
export function parseVersionRef(text: string): VersionRef | null {
  if (/^[0-9a-f]{64}$/.test(text)) return { kind: "version", version: text };
  const m = /^([^/:\s]+)\/([^/:\s]+)(?::([0-9a-f]{64}))?$/.exec(text);
  // Owner and name are KV keys: the contracts' slugs only (`*/>` names no model, and is no key).
  if (!m?.[1] || !m[2] || !Slug.safeParse(m[1]).success || !Slug.safeParse(m[2]).success) return null;
  return m[3]
    ? { kind: "model-version", owner: m[1], name: m[2], version: m[3] }
    : { kind: "model", owner: m[1], name: m[2] };
}
