import type { JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";

/** What a KV bucket of `@nats-io/kv` holds besides its interface. */
interface BucketInternals {
  jsm: JetStreamManager;
  stream: string;
  prefix: string;
}

/**
 * The keys of a KV bucket that match `filter` (NATS wildcards), from the subject counts of the
 * bucket's stream: one request, bounded by its timeout. `kv.keys()` reads through an ordered
 * consumer instead, and on nats-server 2.9 it can wait forever on a bucket whose keys are being
 * deleted or expire (nats-server#3481): a loop that lists keys must never hang on it.
 *
 * A key whose last operation deleted or purged it is listed too: read each key (a `get` whose
 * operation is not `PUT`) before acting on it.
 */
export async function listKeys(kv: KV, filter = ">"): Promise<string[]> {
  const b = kv as unknown as BucketInternals;
  const info = await b.jsm.streams.info(b.stream, { subjects_filter: `${b.prefix}.${filter}` });
  return Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(b.prefix.length + 1));
}

/**
 * Removes every trace of `key` from the bucket's stream, its delete or purge marker included
 * (which `kv.purge` leaves behind, and `listKeys` keeps listing): for janitors, once a key's
 * removal is old news. Needs `STREAM.PURGE` on the bucket's stream.
 */
export async function forgetKey(kv: KV, key: string): Promise<void> {
  const b = kv as unknown as BucketInternals;
  await b.jsm.streams.purge(b.stream, { filter: `${b.prefix}.${key}` });
}
