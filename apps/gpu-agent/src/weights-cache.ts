import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { sha256Hex } from "@gantry/platform/ids";
import type { Buckets } from "@gantry/platform/topology";
import { LRUCache } from "lru-cache";

/** Trained versions' weights kept on disk at once by default; past it the least recently used go. */
export const WEIGHTS_CACHE_ENTRIES = 16;

/**
 * Trained versions' weights on this host: fetched once from the object store into `dir`, then
 * handed to each model server that starts from them (as `COG_WEIGHTS`). At most `maxEntries`
 * are kept: the least recently used one's file is deleted to make room (a server already
 * running from it keeps its open file; the next to need it fetches it again).
 */
export class WeightsCache {
  readonly #objects: Buckets["objects"];
  readonly #dir: string;
  readonly #fetched: LRUCache<string, Promise<string>>;
  #fetches = 0;

  constructor(objects: Buckets["objects"], dir: string, maxEntries = WEIGHTS_CACHE_ENTRIES) {
    this.#objects = objects;
    this.#dir = dir;
    this.#fetched = new LRUCache({
      max: maxEntries,
      dispose: (p, _name, reason) => {
        if (reason === "evict" || reason === "delete") {
          void p.then((file) => rm(file, { force: true })).catch(() => undefined);
        }
      },
    });
  }

  /** The local path of the weights stored under `name`. */
  path(name: string): Promise<string> {
    let p = this.#fetched.get(name);
    if (!p) {
      const fetching = this.#fetch(name);
      p = fetching;
      // A failed fetch is tried again by the next server that needs it.
      fetching.catch(() => {
        if (this.#fetched.peek(name) === fetching) this.#fetched.delete(name);
      });
      this.#fetched.set(name, fetching);
    }
    return p;
  }

  async #fetch(name: string): Promise<string> {
    const object = await this.#objects.get(name);
    if (!object) throw new Error(`The version's weights (${name}) are not in the object store.`);
    await mkdir(this.#dir, { recursive: true });
    // A file per fetch: deleting an evicted copy never touches a later fetch of the same weights.
    const file = join(this.#dir, `${sha256Hex(name)}.${this.#fetches++}`);
    // Streamed (weights can be gigabytes), written aside and renamed: a server never reads half a file.
    try {
      await pipeline(Readable.fromWeb(object.data as WebReadableStream<Uint8Array>), createWriteStream(`${file}.part`));
      const failed = await object.error;
      if (failed) throw failed;
    } catch (err) {
      await rm(`${file}.part`, { force: true });
      throw new Error(`The version's weights (${name}) could not be read: ${String(err)}`);
    }
    await rename(`${file}.part`, file);
    return file;
  }
}
