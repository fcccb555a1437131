import { z } from "zod";
import { PredictionQueue, PredictionRecord, PredictionStatus } from "./prediction.ts";

/**
 * One event on a prediction's event subject. Each carries the status it was published under,
 * so a reader can tell a late `output` from a terminal `done`.
 */
export const PredictionEvent = z.discriminatedUnion("type", [
  /** One new output item (a token for iterator models). */
  z.object({ type: z.literal("output"), index: z.number().int().nonnegative(), data: z.unknown() }),
  /** New log text (a delta, not the whole log). */
  z.object({ type: z.literal("logs"), data: z.string() }),
  /**
   * Why the prediction still waits (its queue position, its cold boot's phase), with a line for
   * readers that only know Replicate's events (SSE shows it as a `logs` event).
   */
  z.object({ type: z.literal("queue"), queue: PredictionQueue, line: z.string() }),
  z.object({
    type: z.literal("done"),
    status: PredictionStatus,
    error: z.string().nullable(),
  }),
]);
export type PredictionEvent = z.infer<typeof PredictionEvent>;

/** Core-NATS notice sent after each stored change: the record and its KV revision. */
export const PredictionChanged = z.object({
  revision: z.number().int().positive(),
  record: PredictionRecord,
});
export type PredictionChanged = z.infer<typeof PredictionChanged>;

/** On `retention.v1.predictions` when a prediction reaches a terminal state. */
export const PredictionFinished = z.object({
  prediction_id: z.string(),
  completed_at: z.string(),
});
export type PredictionFinished = z.infer<typeof PredictionFinished>;
