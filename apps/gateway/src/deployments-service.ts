import type { AccountRecord } from "@gantry/contracts/accounts";
import {
  type CreateDeploymentBody,
  type Deployment,
  DeploymentRecord,
  type UpdateDeploymentBody,
} from "@gantry/contracts/deployments";
import { AppError, NOT_FOUND_DETAIL } from "@gantry/contracts/errors";
import { findHardware, HARDWARE_CATALOG } from "@gantry/contracts/hardware";
import { patchScaling } from "@gantry/contracts/scaling";
import { NO_STATS, settle } from "@gantry/platform/canary";
import { decode, encode } from "@gantry/platform/codec";
import { listKeys } from "@gantry/platform/kv-keys";
import { isModelPath } from "./core/model-validation.ts";
import type { GatewayDeps } from "./deps.ts";
import type { PredictionService } from "./prediction-service.ts";

const key = (owner: string, name: string) => `${owner}/${name}`;

/**
 * Each deployment is also indexed for its account in the `prediction-index` bucket, as
 * `_deployment.<account>.<owner>/<name>` (no account id has an underscore, and no prediction key
 * reads like it), so a listing reads only the caller's keys.
 */
const DEPLOYMENT_INDEX = "_deployment.";
export const deploymentIndexKey = (accountId: string, deploymentKey: string) =>
  `${DEPLOYMENT_INDEX}${accountId}.${deploymentKey}`;
/** Set once every deployment stored before the index has been indexed. */
export const DEPLOYMENT_INDEX_MIGRATED = "_migrations.deployment-index";

/** Deployments in their KV bucket: create, read, update (a new release), delete. */
export class DeploymentService {
  #migrated: Promise<void> | null = null;

  constructor(
    private readonly deps: GatewayDeps,
    private readonly predictions: PredictionService,
  ) {}

  async account(accountId: string): Promise<AccountRecord> {
    const account = await this.predictions.registry.getAccount(accountId);
    if (!account) throw new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
    return account;
  }

  /** The caller's deployment; another account's answers 404 like a missing one. */
  async get(accountId: string, owner: string, name: string): Promise<DeploymentRecord & { revision: number }> {
    // A name no deployment can have (`a..b`, wildcards) never reaches NATS: as a key it is no subject.
    if (!isModelPath(owner, name)) throw new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
    const entry = await this.deps.buckets.deployments.get(key(owner, name)).catch(() => null);
    if (entry?.operation !== "PUT") throw new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
    const record = decode(DeploymentRecord, entry.value, "deployment");
    if (record.account_id !== accountId) throw new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
    return { ...record, revision: entry.revision };
  }

  /** The account's deployments, from its index keys: other accounts' records are never read. */
  async list(accountId: string): Promise<DeploymentRecord[]> {
    await this.#migrate();
    const prefix = deploymentIndexKey(accountId, "");
    const out: DeploymentRecord[] = [];
    for (const k of await listKeys(this.deps.buckets.predictionIndex, `${prefix}>`)) {
      const entry = await this.deps.buckets.deployments.get(k.slice(prefix.length)).catch(() => null);
      if (entry?.operation !== "PUT") continue;
      const record = decode(DeploymentRecord, entry.value, "deployment");
      if (record.account_id === accountId) out.push(record);
    }
    return out;
  }

  /**
   * Indexes deployments stored before the index existed: once, by the first gateway that lists
   * after an upgrade (a marker key says it is done; doing it twice is harmless).
   */
  #migrate(): Promise<void> {
    this.#migrated ??= (async () => {
      const index = this.deps.buckets.predictionIndex;
      if ((await index.get(DEPLOYMENT_INDEX_MIGRATED))?.operation === "PUT") return;
      for (const k of await listKeys(this.deps.buckets.deployments)) {
        const entry = await this.deps.buckets.deployments.get(k);
        if (entry?.operation !== "PUT") continue;
        const record = decode(DeploymentRecord, entry.value, "deployment");
        await index.put(deploymentIndexKey(record.account_id, k), "");
      }
      await index.put(DEPLOYMENT_INDEX_MIGRATED, "");
    })().catch((err: unknown) => {
      this.#migrated = null; // tried again by the next listing
      throw err;
    });
    return this.#migrated;
  }

  async create(accountId: string, body: CreateDeploymentBody): Promise<DeploymentRecord> {
    const account = await this.account(accountId);
    checkHardware(body.hardware);
    await this.checkVersion(accountId, body.model, body.version);
    const at = this.deps.now().toISOString();
    const record: DeploymentRecord = {
      owner: account.username,
      name: body.name,
      account_id: accountId,
      model: body.model,
      version: body.version,
      hardware: body.hardware,
      min_instances: body.min_instances,
      max_instances: body.max_instances,
      ...(body.scaling && Object.keys(body.scaling).length > 0 ? { scaling: body.scaling } : {}),
      release: 1,
      release_created_at: at,
      created_at: at,
    };
    checkInstances(record);
    // Indexed first: an entry whose deployment is missing is skipped by listings.
    await this.deps.buckets.predictionIndex.put(deploymentIndexKey(accountId, key(record.owner, record.name)), "");
    try {
      await this.deps.buckets.deployments.create(key(record.owner, record.name), encode(record));
    } catch {
      throw new AppError("CONFLICT", `A deployment named ${record.owner}/${record.name} already exists.`);
    }
    return record;
  }

  async update(accountId: string, owner: string, name: string, body: UpdateDeploymentBody): Promise<DeploymentRecord> {
    const { revision, ...current } = await this.get(accountId, owner, name);
    if (body.hardware) checkHardware(body.hardware);
    if (body.version) await this.checkVersion(accountId, current.model, body.version);
    if (body.canary) await this.checkVersion(accountId, current.model, body.canary.version);
    const { canary: canaryBody, scaling: scalingPatch, ...fields } = body;
    const now = this.deps.now();
    let next: DeploymentRecord = {
      ...current,
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
      release: current.release + 1,
      release_created_at: now.toISOString(),
    };
    if (scalingPatch) {
      const { scaling: _old, ...rest } = next;
      const knobs = patchScaling(current.scaling, scalingPatch);
      next = Object.keys(knobs).length > 0 ? { ...rest, scaling: knobs } : rest;
    }
    // A new version or an explicit null ends a running canary (it is canceled, recorded as such).
    if (current.canary && (canaryBody === null || body.version || canaryBody)) {
      next = settle(next, { result: "canceled", reason: "ended by an update of the deployment" }, now);
    }
    if (canaryBody) {
      if (canaryBody.version === next.version) {
        throw new AppError("UNPROCESSABLE", "A canary's version must differ from the deployment's.", {
          title: "Validation failed",
          invalidFields: [{ type: "canary", field: "canary.version", description: "is the deployment's version" }],
        });
      }
      next = {
        ...next,
        canary: {
          ...canaryBody,
          release: next.release,
          started_at: now.toISOString(),
          stable: NO_STATS,
          canary: NO_STATS,
        },
      };
    }
    checkInstances(next);
    try {
      await this.deps.buckets.deployments.update(key(owner, name), encode(next), revision);
    } catch {
      throw new AppError("CONFLICT", "The deployment changed while this update was made; try again.");
    }
    return next;
  }

  async delete(accountId: string, owner: string, name: string): Promise<void> {
    await this.get(accountId, owner, name);
    await this.deps.buckets.deployments.delete(key(owner, name));
    await this.deps.buckets.predictionIndex.purge(deploymentIndexKey(accountId, key(owner, name)));
  }

  private async checkVersion(accountId: string, model: string, version: string): Promise<void> {
    const [owner = "", name = ""] = model.split("/");
    await this.predictions.resolve(accountId, { kind: "model-version", owner, name, version }, "version");
  }
}

function checkHardware(sku: string): void {
  if (findHardware(sku)) return;
  const options = HARDWARE_CATALOG.map((h) => h.sku).join(", ");
  throw new AppError(
    "BAD_REQUEST",
    `The following errors occurred:\n- hardware: ${sku} is not a valid hardware SKU. Your options are: ${options}.`,
    {
      title: "Validation failed",
    },
  );
}

function checkInstances(d: DeploymentRecord): void {
  if (d.min_instances > d.max_instances) {
    throw new AppError("UNPROCESSABLE", "- min_instances: must not be greater than max_instances\n", {
      title: "Validation failed",
      invalidFields: [
        { type: "number_lte", field: "min_instances", description: "must not be greater than max_instances" },
      ],
    });
  }
}

/** The deployment object (reference §8.3). */
export function renderDeployment(d: DeploymentRecord, creator: AccountRecord): Deployment {
  return {
    owner: d.owner,
    name: d.name,
    current_release: {
      number: d.release,
      model: d.model,
      version: d.version,
      created_at: d.release_created_at,
      created_by: {
        type: creator.type,
        username: creator.username,
        name: creator.name,
        avatar_url: null,
        github_url: null,
      },
      configuration: {
        hardware: d.hardware,
        min_instances: d.min_instances,
        max_instances: d.max_instances,
        // Gantry extension: the knobs set on the deployment (the official clients ignore it).
        ...(d.scaling ? { scaling: d.scaling } : {}),
      },
    },
    ...(d.canary ? { canary: d.canary } : {}),
    ...(d.last_canary ? { last_canary: d.last_canary } : {}),
  };
}
