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

/**
 * What progress webhooks of one prediction have been sent, shared by every scheduler (key
 * `progress.<prediction id>` of the `webhook-deliveries` bucket, compare-and-set): two schedulers
 * taking notices of the same prediction never send a state twice or an older one after a newer.
 */
export const WebhookProgress = z.object({
  started: z.boolean(),
  output_count: z.number().int().nonnegative(),
  logs_length: z.number().int().nonnegative(),
  /** When the last progress webhook went (epoch ms): the 500 ms throttle runs from it. */
  last_at: z.number().int().nonnegative(),
});
export type WebhookProgress = z.infer<typeof WebhookProgress>;
