import { AccountRecord, TokenRecord } from "@gantry/contracts/accounts";
import { ModelRecord, VersionRecord } from "@gantry/contracts/models";
import { decode, encode } from "./codec.ts";
import { sha256Hex } from "./ids.ts";
import type { Buckets } from "./topology.ts";

/** KV keys may not contain every character a name may; `owner/name` is safe with our slugs. */
export const modelKey = (owner: string, name: string) => `${owner}/${name}`;

/** Accounts, hashed API tokens, models and versions, in their KV buckets. */
export class Registry {
  readonly #b: Buckets;

  constructor(buckets: Buckets) {
    this.#b = buckets;
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

  async putVersion(version: VersionRecord): Promise<void> {
    await this.#b.versions.put(version.id, encode(version));
  }

  async getVersion(id: string): Promise<VersionRecord | null> {
    const e = await this.#b.versions.get(id);
    return e?.operation === "PUT" ? decode(VersionRecord, e.value, "version") : null;
  }
}
