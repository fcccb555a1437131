import { BUCKETS, CONSUMERS, OBJECT_STORES, STREAMS, subjects } from "@gantry/contracts/subjects";
import { SIGNING_SECRET_KEY, webhookSecretKey } from "./secret-keys.ts";

/**
 * Who may do what on NATS: one identity per service, the provisioner (the only one that creates
 * or changes streams, buckets and the object store) and the operator (everything in the account:
 * seeding, tests, operator tools). Pure: the server configuration is rendered from this
 * (`nats-credentials.ts`), and services check the streams they need from it (`topology.ts`).
 *
 * Subjects are those nats.js 3.4 sends on nats-server 2.9 (see the security reference): KV
 * buckets are opened with `allow_direct`, so a read of one key is `$JS.API.DIRECT.GET.KV_<b>.$KV.<b>.<key>`
 * and can be granted per key; a watch or key listing creates a consumer on the bucket and reads all of it.
 */
export const SERVICE_IDENTITIES = ["gateway", "scheduler", "agent", "billing", "admin"] as const;
export const NATS_IDENTITIES = [...SERVICE_IDENTITIES, "provisioner", "operator"] as const;
export type ServiceIdentity = (typeof SERVICE_IDENTITIES)[number];
export type NatsIdentity = (typeof NATS_IDENTITIES)[number];

/** The account every identity lives in. */
export const NATS_ACCOUNT = "GANTRY";

/** Each identity's replies arrive under its own prefix, which only it may subscribe to. */
export const inboxPrefix = (identity: NatsIdentity) => `_INBOX_${identity}`;

export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
  /** May answer requests (reply subjects of messages it received, once each). */
  allowResponses: boolean;
  /** Streams whose info it may read: those a service waits for before it starts. */
  streams: string[];
}

type Bucket = keyof typeof BUCKETS;
type Store = keyof typeof OBJECT_STORES;
type Stream = keyof typeof STREAMS;
type Consumer = keyof typeof CONSUMERS;

/** One piece of a permission set; identities are lists of these. */
interface Grant {
  pub?: string[];
  sub?: string[];
  streams?: string[];
}

const kvStream = (b: Bucket) => `KV_${BUCKETS[b]}`;
const objStream = (o: Store) => `OBJ_${OBJECT_STORES[o]}`;
const api = "$JS.API";

/** Reads of a whole bucket: get (direct), watch, keys, history, status, `listKeys`. */
const kvRead = (b: Bucket): Grant => ({
  pub: [
    `${api}.DIRECT.GET.${kvStream(b)}.>`,
    `${api}.STREAM.INFO.${kvStream(b)}`,
    `${api}.CONSUMER.CREATE.${kvStream(b)}.>`,
    `${api}.CONSUMER.INFO.${kvStream(b)}.>`,
    // An ordered consumer deletes its old consumer when it resumes after a reconnect.
    `${api}.CONSUMER.DELETE.${kvStream(b)}.>`,
    `$JS.FC.${kvStream(b)}.>`,
  ],
  streams: [kvStream(b)],
});
/** Gets of the keys matching `key` only (no watch, no listing). */
const kvKeyRead = (b: Bucket, key: string): Grant => ({
  pub: [`${api}.DIRECT.GET.${kvStream(b)}.$KV.${BUCKETS[b]}.${key}`],
});
/** Put, create, update, delete and purge of the keys matching `key` (create and update also read). */
const kvWrite = (b: Bucket, key = ">"): Grant => ({ pub: [`$KV.${BUCKETS[b]}.${key}`] });
const kvReadWrite = (b: Bucket): Grant[] => [kvRead(b), kvWrite(b)];

const objRead = (o: Store): Grant => ({
  pub: [
    `${api}.STREAM.INFO.${objStream(o)}`,
    `${api}.STREAM.MSG.GET.${objStream(o)}`,
    `${api}.DIRECT.GET.${objStream(o)}.>`,
    `${api}.CONSUMER.CREATE.${objStream(o)}.>`,
    `$JS.FC.${objStream(o)}.>`,
  ],
  streams: [objStream(o)],
});
/** `putBlob` purges older chunks of the same name: a writer can purge the whole store. */
const objWrite = (o: Store): Grant[] => [
  objRead(o),
  { pub: [`$O.${OBJECT_STORES[o]}.>`, `${api}.STREAM.PURGE.${objStream(o)}`] },
];

/** Publishing into a stream (the server's ack comes back on the inbox). */
const produce = (s: Stream): Grant => ({ pub: [...STREAMS[s].subjects] });
/** An ordered (ephemeral) consumer reading the stream. */
const tail = (s: Stream): Grant => ({
  pub: [
    `${api}.STREAM.INFO.${STREAMS[s].name}`,
    `${api}.CONSUMER.CREATE.${STREAMS[s].name}.>`,
    `${api}.CONSUMER.MSG.NEXT.${STREAMS[s].name}.>`,
    // An ordered consumer re-reads its info, and deletes its old consumer, when it resumes.
    `${api}.CONSUMER.INFO.${STREAMS[s].name}.>`,
    `${api}.CONSUMER.DELETE.${STREAMS[s].name}.>`,
  ],
  streams: [STREAMS[s].name],
});
/** Creating, reading and acknowledging one durable consumer. */
const durable = (c: Consumer): Grant => {
  const { stream, name } = CONSUMERS[c];
  return {
    pub: [
      `${api}.STREAM.INFO.${stream}`,
      `${api}.CONSUMER.CREATE.${stream}.${name}`,
      `${api}.CONSUMER.CREATE.${stream}.${name}.>`,
      `${api}.CONSUMER.DURABLE.CREATE.${stream}.${name}`,
      `${api}.CONSUMER.INFO.${stream}.${name}`,
      `${api}.CONSUMER.MSG.NEXT.${stream}.${name}`,
      `$JS.ACK.${stream}.${name}.>`,
    ],
    streams: [stream],
  };
};
const pub = (...s: string[]): Grant => ({ pub: s });
const sub = (...s: string[]): Grant => ({ sub: s });

/** `PredictionStore`: CAS writes plus the change notice and, on terminal states, events, retention and webhook jobs. */
const predictionWriter: Grant[] = [
  ...kvReadWrite("predictions"),
  pub(subjects.changed("*")),
  produce("events"),
  produce("retention"),
  produce("webhooks"),
];
/** `cancelPrediction`: tells the schedulers (queued) or the agent (placed). */
const canceler: Grant[] = [pub(subjects.withdrawn(), subjects.agentCancel("*"))];
const webhookSecrets: Grant[] = [
  kvKeyRead("accounts", webhookSecretKey(">")),
  kvWrite("accounts", webhookSecretKey(">")),
];
const signingSecretRead = kvKeyRead("accounts", SIGNING_SECRET_KEY);

const GRANTS: Record<ServiceIdentity, { grants: Grant[]; allowResponses: boolean }> = {
  gateway: {
    allowResponses: false,
    grants: [
      ...predictionWriter,
      ...canceler,
      ...kvReadWrite("predictionIndex"),
      ...kvReadWrite("models"),
      ...kvReadWrite("versions"),
      ...kvReadWrite("deployments"),
      ...kvReadWrite("files"),
      // Rate limits shared by every gateway.
      ...kvReadWrite("rateLimits"),
      kvRead("accounts"),
      kvWrite("accounts", webhookSecretKey(">")),
      kvRead("tokens"),
      kvRead("collections"),
      kvRead("webhookDeliveries"),
      ...objWrite("files"),
      produce("work"),
      tail("events"),
      pub(subjects.billingUsage(), subjects.agentProbe()),
      sub(subjects.changed("*")),
    ],
  },
  scheduler: {
    allowResponses: false,
    grants: [
      ...predictionWriter,
      ...kvReadWrite("leases"),
      ...kvReadWrite("placements"),
      ...kvReadWrite("webhookDeliveries"),
      // The reaper discards a dead agent's half-made trained version (record and weights).
      ...kvReadWrite("versions"),
      ...objWrite("files"),
      // The file janitor deletes expired files: metadata and bytes, and later their purge markers.
      ...kvReadWrite("files"),
      pub(`${api}.STREAM.PURGE.${kvStream("files")}`),
      kvRead("agents"),
      // The deployment keeper reads a model's scaling defaults.
      kvRead("models"),
      // The canary judge counts finished predictions on the deployment and promotes or rolls back.
      ...kvReadWrite("deployments"),
      ...webhookSecrets,
      produce("work"),
      produce("usage"),
      durable("placer"),
      durable("janitor"),
      durable("webhooks"),
      pub(subjects.agentRun("*"), subjects.agentWarm("*"), subjects.agentTrim("*")),
      sub(subjects.withdrawn(), subjects.changed("*")),
    ],
  },
  agent: {
    allowResponses: true,
    grants: [
      ...predictionWriter,
      kvWrite("agents"),
      ...kvReadWrite("files"),
      // Trained versions: the agent publishes the version and adds it to its model.
      ...kvReadWrite("versions"),
      ...kvReadWrite("models"),
      signingSecretRead,
      ...objWrite("files"),
      produce("usage"),
      sub(
        subjects.agentRun("*"),
        subjects.agentWarm("*"),
        subjects.agentTrim("*"),
        subjects.agentCancel("*"),
        subjects.agentProbe(),
      ),
    ],
  },
  billing: {
    // Its answers go to the inboxes of those who ask (the gateway; the operator's tools), named
    // here rather than through `allow_responses`: that makes nats-server remember the reply subject
    // of every message billing receives, the usage stream's included, and prune that list on each
    // one past 4,096 of them; ingest ran 4× slower for it (docs/benchmarks.md).
    allowResponses: false,
    grants: [
      ...kvReadWrite("ledger"),
      ...kvReadWrite("lineItems"),
      tail("usage"),
      sub(subjects.billingUsage(), subjects.billingInvoice()),
      pub(`${inboxPrefix("gateway")}.>`, `${inboxPrefix("admin")}.>`, `${inboxPrefix("operator")}.>`),
    ],
  },
  admin: {
    allowResponses: false,
    grants: [
      ...predictionWriter,
      ...canceler,
      ...kvReadWrite("accounts"),
      ...kvReadWrite("tokens"),
      ...kvReadWrite("deployments"),
      kvRead("predictionIndex"),
      kvRead("agents"),
      kvRead("ledger"),
      kvRead("lineItems"),
      kvRead("models"),
      kvRead("versions"),
      kvRead("collections"),
      kvRead("webhookDeliveries"),
      // The queue chart: depth, the oldest waiting item, the schedulers' cursor.
      pub(
        `${api}.STREAM.INFO.${STREAMS.work.name}`,
        `${api}.STREAM.MSG.GET.${STREAMS.work.name}`,
        `${api}.CONSUMER.INFO.${CONSUMERS.placer.stream}.${CONSUMERS.placer.name}`,
      ),
      sub(subjects.changed("*")),
    ],
  },
};

/** The provisioner creates and updates topology, and the shared URL-signing key; it touches no other data. */
const PROVISIONER: Grant[] = [
  signingSecretRead,
  kvWrite("accounts", SIGNING_SECRET_KEY),
  pub(
    `${api}.STREAM.CREATE.*`,
    `${api}.STREAM.UPDATE.*`,
    `${api}.STREAM.INFO.*`,
    `${api}.STREAM.NAMES`,
    `${api}.STREAM.LIST`,
    `${api}.CONSUMER.DELETE.*.*`,
  ),
];

const unique = (xs: string[]) => [...new Set(xs)];

/**
 * The permissions of `identity`, or `null` for the operator (everything in the account).
 * Every identity may read the account's JetStream info (`$JS.API.INFO`, which `jetstreamManager()`
 * checks) and subscribe to its own inbox only.
 */
export function natsPermissions(identity: NatsIdentity): NatsPermissions | null {
  if (identity === "operator") return null;
  const { grants, allowResponses } =
    identity === "provisioner" ? { grants: PROVISIONER, allowResponses: false } : GRANTS[identity];
  return {
    publish: unique([`${api}.INFO`, ...grants.flatMap((g) => g.pub ?? [])]),
    subscribe: unique([`${inboxPrefix(identity)}.>`, ...grants.flatMap((g) => g.sub ?? [])]),
    allowResponses,
    streams: unique(grants.flatMap((g) => g.streams ?? [])),
  };
}

/** Every stream the topology holds (what the operator waits for). */
export function allStreams(): string[] {
  return [
    ...Object.values(STREAMS).map((s) => s.name),
    ...(Object.keys(BUCKETS) as Bucket[]).map(kvStream),
    ...(Object.keys(OBJECT_STORES) as Store[]).map(objStream),
  ];
}
