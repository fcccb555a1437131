import type { Privilege } from "@gantry/contracts/accounts";
import type { CollectionRecord } from "@gantry/contracts/collections";
import type { ModelRuntime, OpenApiSchema } from "@gantry/contracts/models";
import { sha256Hex } from "./ids.ts";
import type { Registry } from "./registry.ts";

export interface SeedModel {
  owner: string;
  name: string;
  description: string;
  hardware: string;
  openapi: OpenApiSchema;
  runtime: ModelRuntime;
  concurrency: number;
}

/** A version id is the hash of what defines the version: its schema and how it runs. */
export function versionIdFor(model: SeedModel): string {
  return sha256Hex(JSON.stringify({ openapi: model.openapi, runtime: model.runtime }));
}

/**
 * Creates the dev user (with the given API token) and the `gantry` organization owning the demo
 * models. Idempotent: running it again changes nothing but `latest_version`.
 */
export async function seed(
  registry: Registry,
  options: {
    devToken: string;
    devUsername: string;
    /** Operator privileges of the dev account (none by default: it is an ordinary account). */
    devPrivileges?: Privilege[];
    models: SeedModel[];
    /** Curated collections of the seeded models (slug, name, description, `owner/name`s). */
    collections?: Omit<CollectionRecord, "created_at">[];
    now: Date;
  },
): Promise<{ devAccountId: string; versions: Record<string, string> }> {
  const at = options.now.toISOString();
  const devAccountId = options.devUsername.replace(/[^a-z0-9]/g, "") || "dev";
  await registry.putAccount({
    id: devAccountId,
    type: "user",
    username: options.devUsername,
    name: options.devUsername,
    created_at: at,
    ...(options.devPrivileges?.length ? { privileges: options.devPrivileges } : {}),
  });
  await registry.putToken(options.devToken, { account_id: devAccountId, name: "dev", created_at: at });
  await registry.putAccount({
    id: "gantry",
    type: "organization",
    username: "gantry",
    name: "Gantry demo models",
    created_at: at,
  });
  const versions: Record<string, string> = {};
  for (const m of options.models) {
    const id = versionIdFor(m);
    versions[`${m.owner}/${m.name}`] = id;
    const existing = await registry.getModel(m.owner, m.name);
    await registry.putVersion({
      id,
      model: `${m.owner}/${m.name}`,
      account_id: m.owner,
      cog_version: null,
      openapi_schema: m.openapi,
      runtime: m.runtime,
      concurrency: m.concurrency,
      created_at: (await registry.getVersion(id))?.created_at ?? at,
    });
    await registry.putModel({
      owner: m.owner,
      name: m.name,
      account_id: m.owner,
      visibility: "public",
      hardware: m.hardware,
      description: m.description,
      github_url: null,
      paper_url: null,
      license_url: null,
      cover_image_url: null,
      latest_version_id: id,
      run_count: existing?.run_count ?? 0,
      created_at: existing?.created_at ?? at,
    });
  }
  for (const c of options.collections ?? []) {
    const existing = await registry.getCollection(c.slug);
    await registry.putCollection({ ...c, created_at: existing?.created_at ?? at });
  }
  return { devAccountId, versions };
}
