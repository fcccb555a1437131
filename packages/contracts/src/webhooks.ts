import { z } from "zod";
import { PredictionId } from "./ids.ts";
import { WebhookEventType } from "./prediction.ts";
import { Timestamp } from "./time.ts";

/** A terminal webhook to deliver, durably (the `WEBHOOKS` stream), retried until it lands. */
export const WebhookJob = z.object({
  prediction_id: PredictionId,
  /** `webhook-id`: the same on every retry. */
  webhook_id: z.string(),
});
export type WebhookJob = z.infer<typeof WebhookJob>;

/** One delivery attempt, as the delivery log shows it. */
export const WebhookDelivery = z.object({
  webhook_id: z.string(),
  event: WebhookEventType,
  url: z.string(),
  attempt: z.number().int().positive(),
  /** HTTP status, or null when no response came (connection error, timeout, refused URL). */
  status: z.number().int().nullable(),
  error: z.string().nullable(),
  latency_ms: z.number().int().nonnegative(),
  at: Timestamp,
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookDeliveryLog = z.array(WebhookDelivery);
