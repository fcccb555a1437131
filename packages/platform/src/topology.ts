import { BUCKETS, OBJECT_STORES, STREAMS } from "@gantry/contracts/subjects";
import { DiscardPolicy, jetstreamManager, RetentionPolicy, StorageType, type StreamConfig } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import { type ObjectStore, Objm } from "@nats-io/obj";
import type { Logger } from "./logger.ts";
import { allStreams, type NatsIdentity, natsPermissions } from "./nats-permissions.ts";
import { createSigningSecret } from "./signing-secret.ts";

export interface TopologyOptions {
  /** 1 for a single server, 3 for a cluster. */
  replicas: number;
  /** How long prediction events stay replayable (the data-retention window). */
  retentionMs: number;
}

export const DEFAULT_TOPOLOGY: TopologyOptions = { replicas: 1, retentionMs: 60 * 60 * 1000 };

export interface Buckets {
  predictions: KV;
  models: KV;
  versions: KV;
  accounts: KV;
  tokens: KV;
  agents: KV;
  ledger: KV;
  lineItems: KV;
  predictionIndex: KV;
  deployments: KV;
  collections: KV;
  files: KV;
  webhookDeliveries: KV;
  placements: KV;
  leases: KV;
  /** Gateways' shared rate-limit buckets. */
  rateLimits: KV;
  /** Bytes of uploaded and output files. */
  objects: ObjectStore;
}

const nanos = (ms: number) => ms * 1_000_000;

/** Durable consumers of earlier versions, removed when the topology is provisioned. */
const LEGACY_CONSUMERS = [{ stream: STREAMS.usage.name, name: "billing" }];

/**
 * Provisioning: creates (or updates) every stream, KV bucket and object store the platform uses.
 * Idempotent. Needs the `provisioner` (or `operator`) NATS identity: services cannot change
 * topology, they {@link openTopology} and wait for it. Run by `npm start`, `startStack` and
 * `npm run provision`.
 */
export async function ensureTopology(
  nc: NatsConnection,
  options: TopologyOptions = DEFAULT_TOPOLOGY,
): Promise<Buckets> {
  const jsm = await jetstreamManager(nc);
  const streams: (Partial<StreamConfig> & { name: string })[] = [
    {
      name: STREAMS.work.name,
      subjects: [...STREAMS.work.subjects],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: options.replicas,
    },
    {
      name: STREAMS.events.name,
      subjects: [...STREAMS.events.subjects],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(options.retentionMs),
      discard: DiscardPolicy.Old,
      num_replicas: options.replicas,
    },
    {
      name: STREAMS.retention.name,
      subjects: [...STREAMS.retention.subjects],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      // Kept well past the window, so a janitor that was down catches up.
      max_age: nanos(options.retentionMs * 2 + 24 * 60 * 60 * 1000),
      duplicate_window: nanos(10 * 60 * 1000),
      num_replicas: options.replicas,
    },
    {
      name: STREAMS.webhooks.name,
      subjects: [...STREAMS.webhooks.subjects],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(10 * 60 * 1000),
      num_replicas: options.replicas,
    },
    {
      name: STREAMS.usage.name,
      subjects: [...STREAMS.usage.subjects],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: nanos(24 * 60 * 60 * 1000),
      num_replicas: options.replicas,
    },
  ];
  for (const config of streams) {
    try {
      await jsm.streams.add(config);
    } catch (err) {
      if (!String(err).includes("already in use")) throw err;
      await jsm.streams.update(config.name, config);
    }
  }
  for (const c of LEGACY_CONSUMERS) await jsm.consumers.delete(c.stream, c.name).catch(() => false);
  const kvm = new Kvm(nc);
  const open = (name: string, ttlMs = 0) =>
    kvm.create(name, {
      history: 1,
      storage: StorageType.File,
      replicas: options.replicas,
      ...(ttlMs > 0 ? { ttl: ttlMs } : {}),
    });
  const accounts = await open(BUCKETS.accounts);
  await createSigningSecret(accounts);
  return {
    predictions: await open(BUCKETS.predictions),
    models: await open(BUCKETS.models),
    versions: await open(BUCKETS.versions),
    accounts,
    tokens: await open(BUCKETS.tokens),
    agents: await open(BUCKETS.agents),
    ledger: await open(BUCKETS.ledger),
    lineItems: await open(BUCKETS.lineItems),
    predictionIndex: await open(BUCKETS.predictionIndex),
    deployments: await open(BUCKETS.deployments),
    collections: await open(BUCKETS.collections),
    files: await open(BUCKETS.files),
    webhookDeliveries: await open(BUCKETS.webhookDeliveries, options.retentionMs * 24),
    // Entries outlive any run (30-minute default timeout plus setup); older ones need no recovery.
    placements: await open(BUCKETS.placements, 3 * 60 * 60 * 1000),
    leases: await open(BUCKETS.leases, 5000),
    // A bucket refills completely within a minute: an entry idle that long is a full bucket.
    rateLimits: await open(BUCKETS.rateLimits, 60_000),
    objects: await new Objm(nc).create(OBJECT_STORES.files, { storage: StorageType.File, replicas: options.replicas }),
  };
}

export interface OpenTopologyOptions {
  /** Whose streams to wait for: those its permissions let it read (the operator: all). */
  identity: NatsIdentity;
  /** Told once while the topology is missing. */
  log?: Logger;
  /** Pause between checks while it is missing (default 1 s). */
  retryMs?: number;
}

/**
 * What services use: binds every bucket and the object store without creating anything (KV gets
 * go through direct get, scoped per bucket by the server's permissions). Waits, with one log line,
 * until the streams the identity reads exist: provisioning may run after the service starts.
 */
export async function openTopology(nc: NatsConnection, o: OpenTopologyOptions): Promise<Buckets> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const wanted = natsPermissions(o.identity)?.streams ?? allStreams();
  let told = false;
  for (const name of wanted) {
    for (;;) {
      const found = await jsm.streams.info(name).then(
        () => true,
        (err: unknown) => {
          if (!/stream not found/i.test(String(err))) throw err;
          return false;
        },
      );
      if (found) break;
      if (!told) {
        o.log?.warn("waiting for the NATS topology: provision it (npm run provision)", { missing: name });
        told = true;
      }
      await new Promise((r) => setTimeout(r, o.retryMs ?? 1000));
    }
  }
  const kvm = new Kvm(nc);
  const open = (name: string) => kvm.open(name, { allow_direct: true });
  return {
    predictions: await open(BUCKETS.predictions),
    models: await open(BUCKETS.models),
    versions: await open(BUCKETS.versions),
    accounts: await open(BUCKETS.accounts),
    tokens: await open(BUCKETS.tokens),
    agents: await open(BUCKETS.agents),
    ledger: await open(BUCKETS.ledger),
    lineItems: await open(BUCKETS.lineItems),
    predictionIndex: await open(BUCKETS.predictionIndex),
    deployments: await open(BUCKETS.deployments),
    collections: await open(BUCKETS.collections),
    files: await open(BUCKETS.files),
    webhookDeliveries: await open(BUCKETS.webhookDeliveries),
    placements: await open(BUCKETS.placements),
    leases: await open(BUCKETS.leases),
    rateLimits: await open(BUCKETS.rateLimits),
    objects: await new Objm(nc).open(OBJECT_STORES.files, false),
  };
}
