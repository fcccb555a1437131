import { AccountRecord, TokenRecord } from "@gantry/contracts/accounts";
import { CollectionRecord } from "@gantry/contracts/collections";
import { AppError } from "@gantry/contracts/errors";
import { ModelRecord, VersionRecord } from "@gantry/contracts/models";
import type { KV } from "@nats-io/kv";
import type { z } from "zod";
import { decode, encode } from "./codec.ts";
import { sha256Hex } from "./ids.ts";
import { listKeys } from "./kv-keys.ts";
import type { Buckets } from "./topology.ts";
import { trainerOf, trainerVersionId } from "./trainer.ts";

const MAX_CAS_ATTEMPTS = 20;

/** A compare-and-set lost to another writer (`wrong last sequence`, JetStream error 10071). */
const isWrongRevision = (err: unknown) => /wrong last sequence|10071/.test(String(err));

/** KV keys may not contain every character a name may; `owner/name` is safe with our slugs. */
export const modelKey = (owner: string, name: string) => `${owner}/${name}`;

/**
 * Each version of a model (not the hidden trainers) is also indexed in the `versions` bucket as
 * `idx.<owner>/<name>.<id>`, so a model's versions are listed from its own keys alone, never by
 * reading every version of every account. Version ids are 64 hex digits (no dots), so the filter
 * `idx.<owner>/<name>.*` matches that model's entries only, dotted names included.
 */
export const versionIndexKey = (model: string, versionId: string) => `idx.${model}.${versionId}`;
/** A version's own key (its id), not an index entry or a marker. */
const isVersionKey = (key: string) => /^[0-9a-f]{64}$/.test(key);
/** Set once every version stored before the index has been indexed. */
export const VERSION_INDEX_MIGRATED = "_migrations.version-index";

/** Accounts, hashed API tokens, models and versions, in their KV buckets. */
export class Registry {
  readonly #b: Buckets;
  readonly #backfill: boolean;
  #versionsIndexed: Promise<boolean> | null = null;

  /**
   * `backfill`: this registry may index versions stored before the version index existed (the
   * gateway does, on its first listing); others scan every version until that is done.
   */
  constructor(buckets: Buckets, options: { backfill?: boolean } = {}) {
    this.#b = buckets;
    this.#backfill = options.backfill ?? false;
  }

  async putAccount(account: AccountRecord): Promise<void> {
    await this.#b.accounts.put(account.id, encode(account));
  }

  async getAccount(id: string): Promise<AccountRecord | null> {
    const e = await this.#b.accounts.get(id);
    return e?.operation === "PUT" ? decode(AccountRecord, e.value, "account") : null;
  }

  /** Stores a token under its SHA-256: a leaked bucket leaks no usable token. */
  async putToken(token: string, record: TokenRecord): Promise<void> {
    await this.#b.tokens.put(sha256Hex(token), encode(record));
  }

  async findToken(token: string): Promise<TokenRecord | null> {
    const e = await this.#b.tokens.get(sha256Hex(token));
    return e?.operation === "PUT" ? decode(TokenRecord, e.value, "token") : null;
  }

  async putModel(model: ModelRecord): Promise<void> {
    await this.#b.models.put(modelKey(model.owner, model.name), encode(model));
  }

  async getModel(owner: string, name: string): Promise<ModelRecord | null> {
    const e = await this.#b.models.get(modelKey(owner, name));
    return e?.operation === "PUT" ? decode(ModelRecord, e.value, "model") : null;
  }

  /** Stores a version, and the hidden version that trains it when it is trainable. */
  async putVersion(version: VersionRecord): Promise<void> {
    const trainer = trainerOf(version);
    if (trainer) await this.#b.versions.put(trainer.id, encode(trainer));
    // Indexed first: an entry whose version is missing is skipped by listings.
    if (!version.trainer_of) await this.#b.versions.put(versionIndexKey(version.model, version.id), "");
    await this.#b.versions.put(version.id, encode(version));
  }

  async getVersion(id: string): Promise<VersionRecord | null> {
    const e = await this.#b.versions.get(id);
    return e?.operation === "PUT" ? decode(VersionRecord, e.value, "version") : null;
  }

  /** Stores a new model; `false` (and nothing written) when `owner/name` is taken. */
  async createModel(model: ModelRecord): Promise<boolean> {
    try {
      await this.#b.models.create(modelKey(model.owner, model.name), encode(model));
      return true;
    } catch (err) {
      if (isWrongRevision(err)) return false;
      throw err;
    }
  }

  /**
   * Read-modify-write of a model with compare-and-set, retried against the fresh value on
   * conflict. `change` returns the new record, or `null` to leave it as it is. Resolves with the
   * stored record afterwards (`null` when there is none).
   */
  async updateModel(
    owner: string,
    name: string,
    change: (model: ModelRecord) => ModelRecord | null,
  ): Promise<ModelRecord | null> {
    const key = modelKey(owner, name);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const e = await this.#b.models.get(key);
      if (e?.operation !== "PUT") return null;
      const current = decode(ModelRecord, e.value, "model");
      const next = change(current);
      if (!next) return current;
      try {
        await this.#b.models.update(key, encode(next), e.revision);
        return next;
      } catch (err) {
        if (!isWrongRevision(err)) throw err;
      }
    }
    throw new AppError("CONFLICT", `model ${key}: too many concurrent writers; try again`);
  }

  /**
   * Deletes a model if `allowed` says so about its current record (checked and deleted with
   * compare-and-set, so no concurrent write slips between). Resolves with the record it judged.
   */
  async deleteModel(
    owner: string,
    name: string,
    allowed: (model: ModelRecord) => void | Promise<void>,
  ): Promise<ModelRecord | null> {
    const key = modelKey(owner, name);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const e = await this.#b.models.get(key);
      if (e?.operation !== "PUT") return null;
      const current = decode(ModelRecord, e.value, "model");
      await allowed(current);
      try {
        await this.#b.models.delete(key, { previousSeq: e.revision });
        return current;
      } catch (err) {
        if (!isWrongRevision(err)) throw err;
      }
    }
    throw new AppError("CONFLICT", `model ${key}: too many concurrent writers; try again`);
  }

  /** Every model, in no particular order. */
  async putCollection(c: CollectionRecord): Promise<void> {
    await this.#b.collections.put(c.slug, encode(c));
  }

  async getCollection(slug: string): Promise<CollectionRecord | null> {
    const e = /^[a-z0-9][a-z0-9._-]*$/.test(slug) ? await this.#b.collections.get(slug) : null;
    return e?.operation === "PUT" ? decode(CollectionRecord, e.value, "collection") : null;
  }

  /** Every collection, in no particular order. */
  async listCollections(): Promise<CollectionRecord[]> {
    return this.#all(this.#b.collections, CollectionRecord, "collection");
  }

  async listModels(): Promise<ModelRecord[]> {
    return this.#all(this.#b.models, ModelRecord, "model");
  }

  /**
   * Every version of `owner/name` (not the hidden trainers), in no particular order: read from the
   * model's index entries, never other models' versions. Until versions stored before the index
   * are indexed (the marker key), a registry that may not index them scans every version instead.
   */
  async listVersions(owner: string, name: string): Promise<VersionRecord[]> {
    const model = modelKey(owner, name);
    const mine = (v: VersionRecord) => v.model === model && !v.trainer_of;
    if (!(await this.#versionIndexReady())) {
      return (await this.#all(this.#b.versions, VersionRecord, "version", isVersionKey)).filter(mine);
    }
    const prefix = versionIndexKey(model, "");
    const ids = (await listKeys(this.#b.versions, `${prefix}*`)).map((k) => k.slice(prefix.length));
    const out: VersionRecord[] = [];
    for (let i = 0; i < ids.length; i += 64) {
      const batch = await Promise.all(ids.slice(i, i + 64).map((id) => this.getVersion(id)));
      for (const v of batch) if (v && mine(v)) out.push(v);
    }
    return out;
  }

  /**
   * Whether the version index is complete. If not, a registry that may write versions indexes those
   * stored before the index existed: once (a marker key says it is done; doing it twice is harmless).
   */
  #versionIndexReady(): Promise<boolean> {
    this.#versionsIndexed ??= (async () => {
      const versions = this.#b.versions;
      if ((await versions.get(VERSION_INDEX_MIGRATED))?.operation === "PUT") return true;
      if (!this.#backfill) {
        this.#versionsIndexed = null; // looked at again by the next listing
        return false;
      }
      const ids = (await listKeys(versions)).filter(isVersionKey);
      for (let i = 0; i < ids.length; i += 64) {
        const batch = await Promise.all(ids.slice(i, i + 64).map((id) => this.getVersion(id).catch(() => null)));
        for (const v of batch) if (v && !v.trainer_of) await versions.put(versionIndexKey(v.model, v.id), "");
      }
      await versions.put(VERSION_INDEX_MIGRATED, "");
      return true;
    })().catch((err: unknown) => {
      this.#versionsIndexed = null; // tried again by the next listing
      throw err;
    });
    return this.#versionsIndexed;
  }

  /** Deletes a version, its trainer and, for a trained version, its weights. */
  async deleteVersion(id: string): Promise<void> {
    const version = await this.getVersion(id);
    const weights = version?.runtime.weights;
    await this.#b.versions.delete(id);
    await this.#b.versions.delete(trainerVersionId(id));
    if (version) await this.#b.versions.purge(versionIndexKey(version.model, id));
    if (weights) await this.#b.objects.delete(weights).catch(() => undefined);
  }

  async #all<S extends z.ZodType>(
    kv: KV,
    schema: S,
    what: string,
    isRecordKey: (key: string) => boolean = () => true,
  ): Promise<z.output<S>[]> {
    const keys = (await listKeys(kv)).filter(isRecordKey);
    const out: z.output<S>[] = [];
    // A key deleted between listing and reading is left out.
    for (let i = 0; i < keys.length; i += 64) {
      const entries = await Promise.all(keys.slice(i, i + 64).map((k) => kv.get(k)));
      for (const e of entries) {
        if (e?.operation !== "PUT") continue;
        // One unreadable record must not take the whole list down; reading it by key still reports it.
        try {
          out.push(decode(schema, e.value, what));
        } catch {}
      }
    }
    return out;
  }
}
