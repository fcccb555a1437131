import { z } from "zod";
import { HardwareSku, NANO_DOLLARS_PER_DOLLAR } from "./hardware.ts";
import { AccountId, PredictionId } from "./ids.ts";
import { PricingUnit } from "./models.ts";
import { Timestamp } from "./time.ts";
import { BillingMode } from "./usage.ts";

/** One price of one SKU, in force from `effective_from` until a later entry for the SKU. */
export const PriceEntry = z.object({
  sku: HardwareSku,
  /** Integer nano-dollars per second. */
  price_per_second: z.number().int().nonnegative(),
  effective_from: Timestamp,
});
export type PriceEntry = z.infer<typeof PriceEntry>;

/** A billing period: a calendar month in UTC. */
export const Period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "not a period (YYYY-MM)");
export type Period = z.infer<typeof Period>;

/** Billed milliseconds and their price in nano-dollars. */
export const SpendLine = z.object({
  ms: z.number().int().nonnegative(),
  nano: z.number().int().nonnegative(),
});
export type SpendLine = z.infer<typeof SpendLine>;

/** Spend on one model billed per output, in one unit (`<model> <unit>` keys). */
export const UnitLine = z.object({
  model: z.string(),
  unit: PricingUnit,
  units: z.number().int().nonnegative(),
  nano: z.number().int().nonnegative(),
});
export type UnitLine = z.infer<typeof UnitLine>;

/**
 * Spend of one account in one billing period (calendar month, UTC), with the stream sequence of
 * the last usage event applied to it: an event at or below it is never applied again.
 * Fields added later carry defaults, so ledgers stored before them still decode.
 */
export const Ledger = z.object({
  account_id: AccountId,
  period: z.string().regex(/^\d{4}-\d{2}$/),
  last_seq: z.number().int().nonnegative(),
  total_nano: z.number().int().nonnegative(),
  /** Predictions that ended in the period, whichever way they were billed. */
  predictions: z.number().int().nonnegative(),
  by_hardware: z.record(z.string(), SpendLine),
  by_model: z.record(z.string(), SpendLine),
  /** Keyed `<owner>/<name>`: spend through deployments (their instances' up time). */
  by_deployment: z.record(z.string(), SpendLine).default({}),
  /** Spend on models billed per output, by `<model> <unit>` (their time is not in `by_hardware`). */
  by_unit: z.record(z.string(), UnitLine).default({}),
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
  /** The price when the prediction ended (a price change during it splits its time). */
  price_per_second: z.number().int().nonnegative(),
  /** 0 when `billing` is `uptime`: the instance's up time pays for it. */
  nano: z.number().int().nonnegative(),
  at: Timestamp,
  billing: BillingMode.default("predict"),
  deployment: z.string().nullable().default(null),
  /** Stream sequence of the usage event (absent in entries written before it was recorded). */
  seq: z.number().int().positive().optional(),
  /** Billed per output: the unit, how many, and the price of one (then `price_per_second` is 0). */
  unit: PricingUnit.optional(),
  units: z.number().int().nonnegative().optional(),
  price_per_unit: z.number().int().nonnegative().optional(),
  /** With a token price that charges input tokens: how many, at what price. */
  input_units: z.number().int().nonnegative().optional(),
  input_price_per_unit: z.number().int().nonnegative().optional(),
});
export type LineItem = z.infer<typeof LineItem>;

/**
 * Line items of one account and period whose usage events fall in one fixed range of stream
 * sequences, stored together under `<account_id>.<period>.<chunk>` in the `line-items` bucket: one
 * write per account and range rather than one per prediction keeps ingest fast.
 */
export const LineItemChunk = z.object({
  account_id: AccountId,
  period: Period,
  /** Events with stream sequence in `[chunk × size + 1, (chunk + 1) × size]`. */
  chunk: z.number().int().nonnegative(),
  items: z.array(LineItem),
});
export type LineItemChunk = z.infer<typeof LineItemChunk>;

/**
 * Billing's position in the `USAGE` stream, stored beside the ledgers (key {@link POSITION_KEY} of
 * the `ledger` bucket) after every batch: a restart resumes after it.
 */
export const IngestPosition = z.object({ seq: z.number().int().nonnegative(), at: Timestamp });
export type IngestPosition = z.infer<typeof IngestPosition>;
export const POSITION_KEY = "_position";

/** `billing.v1.usage` and `billing.v1.invoice` requests. */
export const BillingQuery = z.object({ account_id: AccountId, period: Period });
export type BillingQuery = z.infer<typeof BillingQuery>;

/** One line of an invoice: the time billed on one hardware SKU. */
export const InvoiceLine = z.object({
  /** A hardware SKU, or for a line billed per output the model (`owner/name`). */
  sku: z.string(),
  description: z.string(),
  seconds: z.number().nonnegative(),
  /** Lines billed per output: the unit and how many. */
  unit: PricingUnit.optional(),
  units: z.number().int().nonnegative().optional(),
  nano: z.number().int().nonnegative(),
  usd: z.string(),
});
export type InvoiceLine = z.infer<typeof InvoiceLine>;

/** The bill of a closed period, derived from its ledger. */
export const Invoice = z.object({
  account_id: AccountId,
  period: Period,
  /** First instant after the period (UTC). */
  period_end: Timestamp,
  lines: z.array(InvoiceLine),
  predictions: z.number().int().nonnegative(),
  total_nano: z.number().int().nonnegative(),
  total_usd: z.string(),
});
export type Invoice = z.infer<typeof Invoice>;

/** A spend line as the HTTP API shows it. */
export const UsageLine = SpendLine.extend({ usd: z.string() });

/** `GET /v1/account/usage` (Gantry extension). */
export const AccountUsage = z.object({
  period: Period,
  total_usd: z.string(),
  total_nano: z.number().int().nonnegative(),
  by_hardware: z.record(z.string(), UsageLine),
  by_model: z.record(z.string(), UsageLine),
  by_deployment: z.record(z.string(), UsageLine),
  /** Models billed per output: units and spend, by `<model> <unit>`. */
  by_unit: z.record(z.string(), UnitLine.extend({ usd: z.string() })),
  predictions: z.number().int().nonnegative(),
});
export type AccountUsage = z.infer<typeof AccountUsage>;

/** Per-account monthly spend limit, in the `accounts` bucket under `spend-limit.<account_id>`. */
export const SpendLimit = z.object({
  /** Integer nano-dollars per billing period. */
  limit_nano: z.number().int().nonnegative(),
  updated_at: Timestamp,
});
export type SpendLimit = z.infer<typeof SpendLimit>;

/**
 * Exact decimal dollars of an integer nano-dollar amount, at least two decimals, no trailing zeros
 * beyond them: `1_500_000_000` → `"1.50"`, `25_000` → `"0.000025"`.
 */
export function formatUsd(nano: number): string {
  const sign = nano < 0 ? "-" : "";
  const abs = BigInt(Math.abs(Math.trunc(nano)));
  const unit = BigInt(NANO_DOLLARS_PER_DOLLAR);
  const fraction = (abs % unit).toString().padStart(9, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${sign}${abs / unit}.${fraction}`;
}
