import { z } from "zod";
import { HardwareSku } from "./hardware.ts";
import { AccountId, PredictionId } from "./ids.ts";
import { Timestamp } from "./time.ts";

/** One price of one SKU, in force from `effective_from` until a later entry for the SKU. */
export const PriceEntry = z.object({
  sku: HardwareSku,
  /** Integer nano-dollars per second. */
  price_per_second: z.number().int().nonnegative(),
  effective_from: Timestamp,
});
export type PriceEntry = z.infer<typeof PriceEntry>;

export const SpendLine = z.object({
  ms: z.number().int().nonnegative(),
  nano: z.number().int().nonnegative(),
});
export type SpendLine = z.infer<typeof SpendLine>;

/**
 * Spend of one account in one billing period (calendar month, UTC), with the stream sequence of
 * the last usage event applied to it: an event at or below it is never applied again.
 */
export const Ledger = z.object({
  account_id: AccountId,
  period: z.string().regex(/^\d{4}-\d{2}$/),
  last_seq: z.number().int().nonnegative(),
  total_nano: z.number().int().nonnegative(),
  predictions: z.number().int().nonnegative(),
  by_hardware: z.record(z.string(), SpendLine),
  by_model: z.record(z.string(), SpendLine),
});
export type Ledger = z.infer<typeof Ledger>;

/** What one prediction was billed. */
export const LineItem = z.object({
  prediction_id: PredictionId,
  account_id: AccountId,
  model: z.string(),
  hardware: HardwareSku,
  period: z.string(),
  ms: z.number().int().nonnegative(),
  price_per_second: z.number().int().nonnegative(),
  nano: z.number().int().nonnegative(),
  at: Timestamp,
});
export type LineItem = z.infer<typeof LineItem>;
