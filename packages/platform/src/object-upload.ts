import { createHash } from "node:crypto";
import type { Buckets } from "./topology.ts";

/** What a stored object weighs and its checksums, as the Files API reports them. */
export interface StoredObject {
  size: number;
  sha256: string;
  md5: string;
}

/**
 * Streams `content` into the object store under `name`, never holding more than a chunk of it,
 * hashing it on the way. Past `maxBytes` (a file of exactly `maxBytes` is refused too: limits are
 * "less than") the put is aborted and `tooLarge()` is thrown; on any failure nothing is left
 * under `name`.
 */
export async function putStream(
  objects: Buckets["objects"],
  name: string,
  content: AsyncIterable<Uint8Array>,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<StoredObject> {
  const sha256 = createHash("sha256");
  const md5 = createHash("md5");
  let size = 0;
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  let putError: unknown;
  const putting = objects.put({ name }, readable).catch((err: unknown) => {
    putError = err;
    writer.abort(err).catch(() => undefined);
    return null;
  });
  try {
    for await (const chunk of content) {
      size += chunk.length;
      if (size >= maxBytes) throw tooLarge();
      sha256.update(chunk);
      md5.update(chunk);
      await writer.write(chunk);
    }
    await writer.close();
  } catch (err) {
    await writer.abort(err).catch(() => undefined);
    await putting;
    await objects.delete(name).catch(() => undefined);
    throw putError ?? err;
  }
  if (!(await putting)) {
    await objects.delete(name).catch(() => undefined);
    throw putError;
  }
  return { size, sha256: sha256.digest("hex"), md5: md5.digest("hex") };
}
