import { z } from "zod";
import { PredictionId } from "./ids.ts";
import {
  PredictionInput,
  PredictionMetrics,
  PredictionSource,
  PredictionStatus,
  WebhookEventType,
} from "./prediction.ts";
import { Timestamp } from "./time.ts";

/** `POST /v1/models/{owner}/{name}/versions/{version_id}/trainings` (reference §8.4). */
export const CreateTrainingBody = z.strictObject({
  /** The model (`owner/name`) the trained version is created in; it must exist and be the caller's. */
  destination: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/, "must be a model, as owner/name")
    .max(201),
  input: PredictionInput,
  webhook: z.url().optional(),
  webhook_events_filter: z.array(WebhookEventType).optional(),
});
export type CreateTrainingBody = z.infer<typeof CreateTrainingBody>;

/** What a succeeded training's `output` holds: the new version and where its weights are. */
export const TrainingOutput = z.object({
  version: z.string(),
  weights: z.string().nullable(),
});
export type TrainingOutput = z.infer<typeof TrainingOutput>;

/** The training object as the HTTP API shows it: a prediction's shape (reference §8.4). */
export const Training = z.object({
  id: PredictionId,
  model: z.string(),
  version: z.string(),
  destination: z.string(),
  input: PredictionInput,
  output: z.unknown(),
  logs: z.string(),
  error: z.string().nullable(),
  status: PredictionStatus,
  source: PredictionSource,
  data_removed: z.boolean(),
  created_at: Timestamp,
  started_at: Timestamp.nullable(),
  completed_at: Timestamp.nullable(),
  webhook: z.string().optional(),
  webhook_events_filter: z.array(WebhookEventType).optional(),
  urls: z.object({ get: z.url(), cancel: z.url(), web: z.url() }),
  metrics: PredictionMetrics,
});
export type Training = z.infer<typeof Training>;
