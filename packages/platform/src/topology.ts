import { BUCKETS, OBJECT_STORES, STREAMS } from "@gantry/contracts/subjects";
import { DiscardPolicy, jetstreamManager, RetentionPolicy, StorageType, type StreamConfig } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import { type ObjectStore, Objm } from "@nats-io/obj";

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
  /** Bytes of uploaded and output files. */
  objects: ObjectStore;
}

const nanos = (ms: number) => ms * 1_000_000;

/**
 * Creates (or updates) every stream and KV bucket the platform uses. Idempotent: every service
 * calls it on start, so no service depends on another having started first.
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
  const kvm = new Kvm(nc);
  const open = (name: string, ttlMs = 0) =>
    kvm.create(name, {
      history: 1,
      storage: StorageType.File,
      replicas: options.replicas,
      ...(ttlMs > 0 ? { ttl: ttlMs } : {}),
    });
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
    webhookDeliveries: await open(BUCKETS.webhookDeliveries, options.retentionMs * 24),
    // Entries outlive any run (30-minute default timeout plus setup); older ones need no recovery.
    placements: await open(BUCKETS.placements, 3 * 60 * 60 * 1000),
    leases: await open(BUCKETS.leases, 5000),
    objects: await new Objm(nc).create(OBJECT_STORES.files, { storage: StorageType.File, replicas: options.replicas }),
  };
}
