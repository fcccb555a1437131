/**
 * Every NATS subject, stream and bucket name. Subjects are noun-first and versioned.
 * Nothing else in the code base spells a subject.
 */
export const STREAMS = {
  /** Work-queue retention: one message per prediction waiting for placement. */
  work: { name: "WORK", subjects: ["work.v1.>"] },
  /** Output, log and status events per prediction, kept for the data-retention window. */
  events: { name: "PREDICTION_EVENTS", subjects: ["predictions.v1.events.>"] },
  /** One message per finished prediction: when its data is due for removal. */
  retention: { name: "RETENTION", subjects: ["retention.v1.>"] },
  /** Terminal webhooks waiting for delivery (retried with backoff, survive restarts). */
  webhooks: { name: "WEBHOOKS", subjects: ["webhooks.v1.>"] },
  /** Usage for billing, de-duplicated by message id. */
  usage: { name: "USAGE", subjects: ["usage.v1.>"] },
} as const;

/** Durable consumers, each created and read only by the service named in its key. */
export const CONSUMERS = {
  /** Schedulers' shared cursor on the work queue. */
  placer: { stream: STREAMS.work.name, name: "scheduler" },
  /** Schedulers' data-retention janitor. */
  janitor: { stream: STREAMS.retention.name, name: "janitor" },
  /** Schedulers' terminal-webhook deliveries. */
  webhooks: { stream: STREAMS.webhooks.name, name: "webhooks" },
} as const;

export const BUCKETS = {
  predictions: "predictions",
  models: "models",
  versions: "versions",
  accounts: "accounts",
  tokens: "tokens",
  agents: "agents",
  /** Billing: spend per account and period, with the last applied usage sequence. */
  ledger: "ledger",
  /** Billing: one line item per prediction. */
  lineItems: "line-items",
  /** Per-account index of predictions: key `<account>.<id>`, value the creation time. */
  predictionIndex: "prediction-index",
  /** Deployments, keyed `<owner>/<name>`. */
  deployments: "deployments",
  /** Metadata of uploaded files, keyed by file id; the bytes live in the `files` object store. */
  files: "files",
  /** Which agent holds which live prediction: key `<agent>.<prediction>`, for recovery when an agent dies. */
  placements: "placements",
  /** Short leases (leader election among schedulers); entries expire unless renewed. */
  leases: "leases",
  /**
   * Gateways' shared per-account rate-limit buckets (key `<account>.<class>`), so N gateways allow
   * an account its limit once, not N times. Entries expire after a minute, when a bucket is full anyway.
   */
  rateLimits: "rate-limits",
  /** Webhook delivery log per prediction id. */
  webhookDeliveries: "webhook-deliveries",
  /** Curated collections of models, keyed by slug. */
  collections: "collections",
} as const;

/** NATS object stores. */
export const OBJECT_STORES = {
  /** Uploaded files (`POST /v1/files`), model output files and trained versions' weights (`weights/<version>`). */
  files: "files",
} as const;

export const subjects = {
  /** A prediction waiting for placement, partitioned by hardware SKU. */
  work: (sku: string) => `work.v1.predictions.${sku}`,
  /** Stream events of one prediction. */
  events: (predictionId: string) => `predictions.v1.events.${predictionId}`,
  /** Core-NATS notice that a stored prediction changed; carries the new record. */
  changed: (predictionId: string) => `predictions.v1.changed.${predictionId}`,
  /** Request to an agent: run this prediction. */
  agentRun: (agentId: string) => `agents.v1.${agentId}.run`,
  /** Request to any agent (queue group `probe`): start a model server, read its schema, stop it. */
  agentProbe: () => "agents.v1.probe",
  /** Request to an agent: keep instances of a version warm (deployments' `min_instances`). */
  agentWarm: (agentId: string) => `agents.v1.${agentId}.warm`,
  /** Request to an agent: stop idle extra instances of a version (the scheduler sees the fleet, `core/extras.ts`). */
  agentTrim: (agentId: string) => `agents.v1.${agentId}.trim`,
  /**
   * Core-NATS notice to schedulers: a prediction still waiting for placement was canceled (a
   * `Withdrawn`); the one holding it drops it from its queue at once. Best effort: a missed one
   * is dropped when its turn comes.
   */
  withdrawn: () => "work.notices.v1.withdrawn",
  /** Request to an agent: cancel this prediction. */
  agentCancel: (agentId: string) => `agents.v1.${agentId}.cancel`,
  /** A prediction finished: its input, output and logs are removed after the retention window. */
  retention: () => "retention.v1.predictions",
  /** A terminal webhook to deliver. */
  webhookCompleted: () => "webhooks.v1.completed",
  /** Usage reported by agents. */
  usage: (kind: "predict" | "uptime", agentId: string) => `usage.v1.${kind}.${agentId}`,
  /** Request to billing: `BillingQuery` → `Ledger` of that account and period (empty when none). */
  billingUsage: () => "billing.v1.usage",
  /** Request to billing: `BillingQuery` → `Invoice` of a closed period (409 while it is open). */
  billingInvoice: () => "billing.v1.invoice",
} as const;
