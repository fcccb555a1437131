import { AppError, NOT_FOUND_DETAIL } from "@gantry/contracts/errors";
import { ProbeReply, type ProbeRequest } from "@gantry/contracts/jobs";
import {
  type CreateModelBody,
  CreateVersionBody,
  type Model,
  type ModelRecord,
  type ModelRuntime,
  type OpenApiSchema,
  type UpdateModelBody,
  type VersionRecord,
} from "@gantry/contracts/models";
import { subjects } from "@gantry/contracts/subjects";
import { decode, encode } from "@gantry/platform/codec";
import { BadPortRefused, fetchJson } from "@gantry/platform/egress-fetch";
import { modelKey } from "@gantry/platform/registry";
import { parseBody } from "./core/body.ts";
import {
  canSee,
  matchesQuery,
  modelPosition,
  newModelRecord,
  renderModel,
  versionPosition,
} from "./core/model-render.ts";
import {
  checkOpenApi,
  deleteRefusal,
  Forbidden,
  isModelPath,
  isVersionId,
  MAX_OPENAPI_BYTES,
  modelVersionId,
  runtimeFor,
} from "./core/model-validation.ts";
import { compareNewestFirst, type Page, paginate } from "./core/pagination.ts";
import type { GatewayDeps } from "./deps.ts";
import type { PredictionService } from "./prediction-service.ts";

export interface ModelsServiceOptions {
  /** How long a started model server may take to become READY. */
  probeTimeoutMs?: number;
  /** Model servers started at once to read schemas; more answer 429. */
  maxProbes?: number;
}

const notFound = () => new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
const unusable = (detail: string) => new AppError("UNPROCESSABLE", detail, { title: "Invalid model server" });

/** Models and versions: the I/O behind the model routes. Reads go to the registry, uncached. */
export class ModelsService {
  readonly #svc: PredictionService;
  readonly #d: GatewayDeps;
  readonly #o: Required<ModelsServiceOptions>;
  #probes = 0;

  constructor(svc: PredictionService, deps: GatewayDeps, options: ModelsServiceOptions = {}) {
    this.#svc = svc;
    this.#d = deps;
    this.#o = { probeTimeoutMs: 120_000, maxProbes: 4, ...options };
  }

  get #registry() {
    return this.#svc.registry;
  }

  /** A model the caller may see; another account's private model is a 404 like a missing one. */
  async visible(accountId: string, owner: string, name: string): Promise<ModelRecord> {
    const m = isModelPath(owner, name) ? await this.#registry.getModel(owner, name) : null;
    if (!m || !canSee(m, accountId)) throw notFound();
    return m;
  }

  async #own(accountId: string, owner: string, name: string): Promise<ModelRecord> {
    const m = await this.visible(accountId, owner, name);
    if (m.account_id !== accountId) throw new Forbidden(`Only the owner of ${owner}/${name} can change it.`);
    return m;
  }

  async render(m: ModelRecord, baseUrl: string): Promise<Model> {
    const id = m.latest_version_id;
    const v = id ? ((await this.#svc.version(id)) ?? (await this.#registry.getVersion(id))) : null;
    return renderModel(m, v && v.model === modelKey(m.owner, m.name) ? v : null, baseUrl);
  }

  async create(accountId: string, body: CreateModelBody): Promise<ModelRecord> {
    const record = newModelRecord(body, accountId, this.#d.now().toISOString());
    if (!(await this.#registry.createModel(record))) {
      throw new AppError("CONFLICT", `A model named ${body.owner}/${body.name} already exists.`, {
        title: "Model already exists",
      });
    }
    return record;
  }

  async username(accountId: string): Promise<string> {
    const account = await this.#registry.getAccount(accountId);
    if (!account) throw notFound();
    return account.username;
  }

  /** The models the caller may see whose name or description contains `query`, a page of them. */
  async list(
    accountId: string,
    query: string,
    cursor: string | undefined,
    urlFor: (cursor: string) => string,
    baseUrl: string,
  ): Promise<Page<Model>> {
    const models = (await this.#registry.listModels()).filter((m) => canSee(m, accountId) && matchesQuery(m, query));
    const page = paginate(
      models.map((m) => ({ ...modelPosition(m), m })),
      cursor,
      urlFor,
    );
    return { ...page, results: await Promise.all(page.results.map((x) => this.render(x.m, baseUrl))) };
  }

  async update(accountId: string, owner: string, name: string, body: UpdateModelBody): Promise<ModelRecord> {
    await this.#own(accountId, owner, name);
    const changes = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
    const updated = await this.#registry.updateModel(owner, name, (m) => ({ ...m, ...changes }));
    if (!updated) throw notFound();
    return updated;
  }

  async delete(accountId: string, owner: string, name: string): Promise<void> {
    await this.#own(accountId, owner, name);
    const deleted = await this.#registry.deleteModel(owner, name, async (m) => {
      const refusal = deleteRefusal(m.visibility, (await this.#registry.listVersions(owner, name)).length);
      if (refusal) throw refusal;
    });
    if (!deleted) throw notFound();
  }

  async versions(
    accountId: string,
    owner: string,
    name: string,
    cursor: string | undefined,
    urlFor: (cursor: string) => string,
  ): Promise<Page<VersionRecord>> {
    await this.visible(accountId, owner, name);
    const all = await this.#registry.listVersions(owner, name);
    const page = paginate(
      all.map((v) => ({ ...versionPosition(v), v })),
      cursor,
      urlFor,
    );
    return { ...page, results: page.results.map((x) => x.v) };
  }

  async version(accountId: string, owner: string, name: string, id: string): Promise<VersionRecord> {
    await this.visible(accountId, owner, name);
    const v = isVersionId(id) ? await this.#registry.getVersion(id) : null;
    // The hidden trainer of a version is not a version of the model (it has its id's model).
    if (!v || v.model !== modelKey(owner, name) || v.trainer_of) throw notFound();
    return v;
  }

  /** Deletes a version; when it was the latest, the next newest (or none) becomes the latest. */
  async deleteVersion(accountId: string, owner: string, name: string, id: string): Promise<void> {
    await this.#own(accountId, owner, name);
    await this.version(accountId, owner, name, id);
    // The model stops naming it first, so no prediction by model name meets a missing version.
    const rest = (await this.#registry.listVersions(owner, name))
      .filter((v) => v.id !== id)
      .sort((a, b) => compareNewestFirst(versionPosition(a), versionPosition(b)));
    await this.#registry.updateModel(owner, name, (m) =>
      m.latest_version_id === id ? { ...m, latest_version_id: rest[0]?.id ?? null } : null,
    );
    await this.#registry.deleteVersion(id);
  }

  /** Reads the schema of the model server a body names, stores the version and makes it the latest. */
  async createVersion(accountId: string, owner: string, name: string, text: string): Promise<VersionRecord> {
    await this.#own(accountId, owner, name);
    // The platform starts (command, image) or calls (url) what a version names: an operator's act.
    const account = await this.#registry.getAccount(accountId);
    if (!account?.privileges?.includes("runtimes")) {
      throw new AppError(
        "FORBIDDEN",
        "Creating a version (from a command, an image or a server URL) is an operator's act: an operator creates it in the admin console, or grants this account the runtimes privilege.",
      );
    }
    const body = parseBody(CreateVersionBody, text);
    const runtime = runtimeFor(body);
    const { openapi, cogVersion } = await this.#probe(runtime);
    const key = modelKey(owner, name);
    const id = modelVersionId(key, openapi, runtime);
    const existing = await this.#registry.getVersion(id);
    const version: VersionRecord = {
      id,
      model: key,
      account_id: accountId,
      cog_version: cogVersion,
      openapi_schema: openapi,
      runtime,
      concurrency: body.concurrency,
      created_at: existing?.model === key ? existing.created_at : this.#d.now().toISOString(),
    };
    await this.#registry.putVersion(version);
    const model = await this.#registry.updateModel(owner, name, (m) => ({ ...m, latest_version_id: id }));
    if (!model) {
      // The model was deleted while its schema was read: leave no orphan version behind.
      await this.#registry.deleteVersion(id);
      throw notFound();
    }
    return version;
  }

  async #probe(runtime: ModelRuntime): Promise<{ openapi: OpenApiSchema; cogVersion: string | null }> {
    if (runtime.kind === "url") {
      try {
        return await readSchema(runtime.url.replace(/\/+$/, ""), `the server at ${runtime.url}`);
      } catch (err) {
        // Node's fetch refuses some ports outright; agents reach model servers without that list.
        if (!(err instanceof BadPortRefused)) throw err;
      }
    }
    if (this.#probes >= this.#o.maxProbes) {
      throw new AppError("RATE_LIMITED", "Too many versions are being created at once; try again shortly.", {
        retryAfter: 5,
      });
    }
    this.#probes++;
    try {
      return await this.#askAgent(runtime);
    } finally {
      this.#probes--;
    }
  }

  /**
   * An agent starts the runtime where models run, reads its schema and stops it (a `url` server
   * it only reads: the gateway's fetch refused its port).
   */
  async #askAgent(runtime: ModelRuntime) {
    const what =
      runtime.kind === "command"
        ? `the command ${JSON.stringify(runtime.argv)}`
        : runtime.kind === "image"
          ? `the image ${runtime.image}`
          : `the server at ${runtime.url}`;
    const act =
      runtime.kind === "url"
        ? `read the schema of ${what} (this gateway's fetch refuses port ${new URL(runtime.url).port}, so agents read it)`
        : `start ${what} to read its schema`;
    const request: ProbeRequest = { runtime };
    let reply: ProbeReply;
    try {
      const res = await this.#d.nc.request(subjects.agentProbe(), encode(request), { timeout: this.#o.probeTimeoutMs });
      reply = decode(ProbeReply, res.data, "probe reply");
    } catch (cause) {
      throw new AppError("UNAVAILABLE", `No agent could ${act}; try again when an agent is up.`, { cause });
    }
    if (!reply.ok) throw unusable(`${what}: ${reply.error}`);
    const root = { cog_version: reply.cog_version };
    return { openapi: checkOpenApi(reply.openapi, what), cogVersion: root.cog_version };
  }
}

/** What a probe of a model server's URL may read: its schema (with room to spare) and `GET /`. */
const PROBE_LIMITS = { openapi: MAX_OPENAPI_BYTES * 2, root: 64 * 1024 };

/**
 * A Cog server's `/openapi.json`, and its Cog version from `GET /` when it says. An operator's
 * URL (private addresses allowed), still fetched with no redirects, a size cap and a time limit,
 * and errors that never repeat what the server answered.
 */
async function readSchema(base: string, what: string): Promise<{ openapi: OpenApiSchema; cogVersion: string | null }> {
  let doc: unknown;
  try {
    doc = await fetchJson(new URL(`${base}/openapi.json`), { timeoutMs: 10_000, maxBytes: PROBE_LIMITS.openapi });
  } catch (err) {
    if (err instanceof BadPortRefused) throw err;
    throw unusable(`${what}: could not read /openapi.json: ${err instanceof Error ? err.message : "failed"}`);
  }
  const openapi = checkOpenApi(doc, what);
  const root = await fetchJson(new URL(`${base}/`), { timeoutMs: 5000, maxBytes: PROBE_LIMITS.root }).catch(() => null);
  const cogVersion = (root as { cog_version?: unknown } | null)?.cog_version;
  return { openapi, cogVersion: typeof cogVersion === "string" ? cogVersion : null };
}
