import type { CreateModelBody, Model, ModelRecord, Version, VersionRecord } from "@gantry/contracts/models";
import type { Position } from "./pagination.ts";

/** The public version object (reference §8.2). */
export function renderVersion(v: VersionRecord): Version {
  return { id: v.id, created_at: v.created_at, cog_version: v.cog_version, openapi_schema: v.openapi_schema };
}

/**
 * The public model object (reference §8.1). `url` is the model's page under `baseUrl` (the API
 * origin); `latest` is the record `latest_version_id` names, when it still exists.
 */
export function renderModel(m: ModelRecord, latest: VersionRecord | null, baseUrl: string): Model {
  return {
    url: `${baseUrl}/${m.owner}/${m.name}`,
    owner: m.owner,
    name: m.name,
    description: m.description,
    visibility: m.visibility,
    github_url: m.github_url,
    paper_url: m.paper_url,
    license_url: m.license_url,
    cover_image_url: m.cover_image_url,
    weights_url: m.weights_url ?? null,
    run_count: m.run_count,
    is_official: false,
    default_example: null,
    latest_version: latest ? renderVersion(latest) : null,
    created_at: m.created_at,
  };
}

/** The stored record of a model made by `POST /v1/models` for `accountId` at `at`. */
export function newModelRecord(body: CreateModelBody, accountId: string, at: string): ModelRecord {
  return {
    owner: body.owner,
    name: body.name,
    account_id: accountId,
    visibility: body.visibility,
    hardware: body.hardware,
    description: body.description ?? null,
    github_url: body.github_url ?? null,
    paper_url: body.paper_url ?? null,
    license_url: body.license_url ?? null,
    cover_image_url: body.cover_image_url ?? null,
    weights_url: null,
    readme: null,
    latest_version_id: null,
    run_count: 0,
    created_at: at,
  };
}

/** A model's place in newest-first lists. */
export const modelPosition = (m: ModelRecord): Position => ({ t: m.created_at, id: `${m.owner}/${m.name}` });

/** A version's place in newest-first lists. */
export const versionPosition = (v: VersionRecord): Position => ({ t: v.created_at, id: v.id });

/** Whether `accountId` may see `m`: public models, and the account's own private ones. */
export const canSee = (m: ModelRecord, accountId: string) => m.visibility === "public" || m.account_id === accountId;

/**
 * The search text of `QUERY /v1/models`: the official client sends `JSON.stringify(query)` as
 * `text/plain`, so a JSON string is unquoted; any other body is taken as it is.
 */
export function parseSearchQuery(body: string): string {
  const text = body.trim();
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === "string") return v.trim();
  } catch {
    // not JSON: the raw text is the query
  }
  return text;
}

/** Case-insensitive substring match on `owner/name` and the description; an empty query matches all. */
export function matchesQuery(m: ModelRecord, query: string): boolean {
  const q = query.toLowerCase();
  if (q === "") return true;
  return `${m.owner}/${m.name}`.includes(q) || (m.description ?? "").toLowerCase().includes(q);
}
