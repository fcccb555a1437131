import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "@gantry/platform/ids";
import type { Buckets } from "@gantry/platform/topology";

/**
 * Trained versions' weights on this host: fetched once from the object store into `dir`, then
 * handed to each model server that starts from them (as `COG_WEIGHTS`).
 */
export class WeightsCache {
  readonly #objects: Buckets["objects"];
  readonly #dir: string;
  readonly #fetched = new Map<string, Promise<string>>();

  constructor(objects: Buckets["objects"], dir: string) {
    this.#objects = objects;
    this.#dir = dir;
  }

  /** The local path of the weights stored under `name`. */
  path(name: string): Promise<string> {
    let p = this.#fetched.get(name);
    if (!p) {
      p = this.#fetch(name);
      // A failed fetch is tried again by the next server that needs it.
      p.catch(() => this.#fetched.delete(name));
      this.#fetched.set(name, p);
    }
    return p;
  }

  async #fetch(name: string): Promise<string> {
    const bytes = await this.#objects.getBlob(name);
    if (!bytes) throw new Error(`The version's weights (${name}) are not in the object store.`);
    await mkdir(this.#dir, { recursive: true });
    const file = join(this.#dir, sha256Hex(name));
    // Written aside and renamed: a server never reads half a file.
    await writeFile(`${file}.part`, bytes);
    await rename(`${file}.part`, file);
    return file;
  }
}
