import { z } from "zod";
import { HardwareSku } from "./hardware.ts";
import { AccountId, AgentId, PredictionId } from "./ids.ts";
import { Timestamp } from "./time.ts";

export const PredictionStatus = z.enum(["starting", "processing", "succeeded", "failed", "canceled", "aborted"]);
export type PredictionStatus = z.infer<typeof PredictionStatus>;

export const TERMINAL_STATUSES: readonly PredictionStatus[] = ["succeeded", "failed", "canceled", "aborted"];

export function isTerminal(status: PredictionStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export const WebhookEventType = z.enum(["start", "output", "logs", "completed"]);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

export const PredictionMetrics = z
  .object({ predict_time: z.number().nonnegative(), total_time: z.number().nonnegative() })
  .partial()
  .catchall(z.number());
export type PredictionMetrics = z.infer<typeof PredictionMetrics>;

export const PredictionSource = z.enum(["api", "web"]);

/**
 * Where a `starting` prediction's cold boot is: waiting for a free slot (queued in the scheduler),
 * pulling its model server's image, fetching its weights, or the model's own `setup()`.
 */
export const QueuePhase = z.enum(["waiting_for_slot", "pulling_image", "fetching_weights", "setup"]);
export type QueuePhase = z.infer<typeof QueuePhase>;

/**
 * A Gantry extension (fal's queue position): why a `starting` prediction has not started yet. Shown
 * only while it is `starting`; gone once it is `processing`. Clients that do not know it ignore it
 * (the official client ignores unknown fields).
 */
export const PredictionQueue = z.object({
  /** Predictions ahead of it in its queue (0: next); null once it is placed (booting). */
  position: z.number().int().nonnegative().nullable(),
  /** When it is expected to start, from recent boots and how fast its queue drains; null: unknown. */
  estimated_start_at: Timestamp.nullable(),
  phase: QueuePhase,
  phase_started_at: Timestamp,
});
export type PredictionQueue = z.infer<typeof PredictionQueue>;

/** Inputs are JSON objects; values are model-defined. */
export const PredictionInput = z.record(z.string(), z.unknown());
export type PredictionInput = z.infer<typeof PredictionInput>;

/**
 * `POST /v1/predictions` (reference §3.1). `version` is `owner/name`, `owner/name:<id>` or a bare id.
 */
export const CreatePredictionBody = z.strictObject({
  version: z.string().min(1),
  input: PredictionInput,
  webhook: z.url().optional(),
  webhook_events_filter: z.array(WebhookEventType).optional(),
  stream: z.boolean().optional(),
});
export type CreatePredictionBody = z.infer<typeof CreatePredictionBody>;

/** `POST /v1/models/{o}/{n}/predictions` and `/v1/deployments/{o}/{n}/predictions`. */
export const CreateModelPredictionBody = CreatePredictionBody.omit({ version: true });
export type CreateModelPredictionBody = z.infer<typeof CreateModelPredictionBody>;

/**
 * The stored prediction: the public fields plus what the platform needs to route, scope and bill it.
 * Kept in the `predictions` KV bucket, keyed by id; every write is a CAS on the entry's revision.
 */
export const PredictionRecord = z.object({
  id: PredictionId,
  account_id: AccountId,
  model: z.string(),
  version: z.string(),
  /** Whether the model's output is an iterator (it then gets a stream URL). */
  streams: z.boolean(),
  hardware: HardwareSku,
  deployment: z.string().nullable(),
  source: PredictionSource,
  input: PredictionInput,
  output: z.unknown(),
  logs: z.string(),
  error: z.string().nullable(),
  status: PredictionStatus,
  data_removed: z.boolean(),
  created_at: Timestamp,
  started_at: Timestamp.nullable(),
  /**
   * When its agent last stored progress (or the start): the model ran at least until then. Never
   * shown; what a reaper bills when the agent dies. Absent in older records.
   */
  progress_at: Timestamp.optional(),
  completed_at: Timestamp.nullable(),
  deadline: Timestamp.nullable(),
  webhook: z.string().nullable(),
  webhook_events_filter: z.array(WebhookEventType).nullable(),
  metrics: PredictionMetrics,
  agent_id: AgentId.nullable(),
  /** Capability token of the stream URL (iterator models): unguessable, needs no auth header. */
  stream_token: z.string().nullable(),
  /** Secret input names, redacted whenever the prediction is shown. */
  secret_fields: z.array(z.string()),
  /** Why it waits, while `starting` (see {@link PredictionQueue}); absent otherwise. */
  queue: PredictionQueue.optional(),
  /** A training (`/v1/trainings`) rather than a prediction; absent in older records: a prediction. */
  kind: z.enum(["prediction", "training"]).optional(),
  /** A training's destination model, `owner/name`, where its trained version is created. */
  destination: z.string().optional(),
});
export type PredictionRecord = z.infer<typeof PredictionRecord>;

/** The prediction object exactly as the HTTP API shows it (reference §3.2). */
export const Prediction = z.object({
  id: PredictionId,
  model: z.string(),
  version: z.string(),
  input: PredictionInput,
  logs: z.string(),
  output: z.unknown(),
  data_removed: z.boolean(),
  error: z.string().nullable(),
  status: PredictionStatus,
  source: PredictionSource,
  created_at: Timestamp,
  started_at: Timestamp.nullable(),
  completed_at: Timestamp.nullable(),
  deadline: Timestamp.optional(),
  deployment: z.string().optional(),
  webhook: z.string().optional(),
  webhook_events_filter: z.array(WebhookEventType).optional(),
  urls: z.object({
    get: z.url(),
    cancel: z.url(),
    web: z.url(),
    stream: z.url().optional(),
  }),
  metrics: PredictionMetrics,
  /** Gantry extension: only while `starting` and known (see {@link PredictionQueue}). */
  queue: PredictionQueue.optional(),
});
export type Prediction = z.infer<typeof Prediction>;
