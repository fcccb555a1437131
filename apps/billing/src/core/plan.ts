import type { LineItem, PriceEntry } from "@gantry/contracts/billing";
import type { ModelPrice } from "@gantry/contracts/models";
import type { PredictUsage, UptimeUsage, UsageEvent } from "@gantry/contracts/usage";
import type { Charge } from "./ledger.ts";
import { meter, type Piece } from "./meter.ts";
import { periodOf, priceAt } from "./prices.ts";

/** What one usage event does: ledger charges and, for a prediction, its line item. */
export interface Planned {
  seq: number;
  charges: Charge[];
  item: LineItem | null;
  /** Time metered on a SKU with no price (charged 0): worth a log line. */
  unpriced: boolean;
}

const billedCharges = (seq: number, u: UsageEvent, pieces: Piece[]): Charge[] =>
  pieces.map((p) => ({
    seq,
    accountId: u.account_id,
    period: p.period,
    model: u.model,
    hardware: u.hardware,
    deployment: u.deployment ?? null,
    ms: p.ms,
    nano: p.nano,
    prediction: false,
    billed: true,
  }));

/** The charge that counts a prediction in its month's ledger (its spend is charged elsewhere). */
const countCharge = (seq: number, u: PredictUsage, period: string): Charge => ({
  seq,
  accountId: u.account_id,
  period,
  model: u.model,
  hardware: u.hardware,
  deployment: u.deployment ?? null,
  ms: 0,
  nano: 0,
  prediction: true,
  billed: false,
});

/** What every line item of a prediction says, whatever it was billed by. */
const itemOf = (seq: number, u: PredictUsage, period: string) => ({
  prediction_id: u.prediction_id,
  account_id: u.account_id,
  model: u.model,
  hardware: u.hardware,
  period,
  ms: u.predict_ms,
  at: u.at,
  deployment: u.deployment ?? null,
  seq,
});

/**
 * A prediction of a model priced per output: units × price (input tokens too, for a token price
 * that charges them), one charge in the period it ended, never per second of hardware. A
 * per-prediction price charges only what succeeded; a platform failure reports no units.
 */
function planUnits(seq: number, u: PredictUsage & { price: ModelPrice }): Planned {
  const endMs = Date.parse(u.at);
  const period = periodOf(new Date(endMs));
  const { price } = u;
  const units =
    price.unit === "output_token"
      ? (u.units?.output_tokens ?? 0)
      : price.unit === "output_file"
        ? (u.units?.output_files ?? 0)
        : u.status === "succeeded"
          ? 1
          : 0;
  const inputUnits = price.unit === "output_token" && price.input_nano_per_unit ? (u.units?.input_tokens ?? 0) : 0;
  const nano = units * price.nano_per_unit + inputUnits * (price.input_nano_per_unit ?? 0);
  const count = countCharge(seq, u, period);
  return {
    seq,
    charges: [
      { ...count, ms: u.predict_ms, nano, prediction: false, billed: true, unit: { unit: price.unit, units } },
      count,
    ],
    item: {
      ...itemOf(seq, u, period),
      price_per_second: 0,
      nano,
      billing: "predict",
      unit: price.unit,
      units,
      price_per_unit: price.nano_per_unit,
      ...(inputUnits > 0 ? { input_units: inputUnits, input_price_per_unit: price.input_nano_per_unit ?? 0 } : {}),
    },
    unpriced: false,
  };
}

function planPredict(prices: readonly PriceEntry[], seq: number, u: PredictUsage): Planned {
  const endMs = Date.parse(u.at);
  const billing = u.billing ?? "predict";
  // Per-output prices apply where predictions are billed one by one (not on instances billed by up time).
  if (u.price && billing === "predict") return planUnits(seq, { ...u, price: u.price });
  const pieces = billing === "predict" ? meter(prices, u.hardware, endMs - u.predict_ms, endMs) : [];
  const period = periodOf(new Date(endMs));
  const price = priceAt(prices, u.hardware, new Date(endMs));
  return {
    seq,
    charges: [...billedCharges(seq, u, pieces), countCharge(seq, u, period)],
    item: {
      ...itemOf(seq, u, period),
      price_per_second: price ?? 0,
      nano: pieces.reduce((sum, p) => sum + p.nano, 0),
      billing,
    },
    unpriced: billing === "predict" && (price === null || pieces.some((p) => p.price === null)),
  };
}

function planUptime(prices: readonly PriceEntry[], seq: number, u: UptimeUsage): Planned {
  // A public model's instance: its up time is metered by the agent but free (reference §10).
  if ((u.billing ?? "uptime") !== "uptime") return { seq, charges: [], item: null, unpriced: false };
  const pieces = meter(prices, u.hardware, Date.parse(u.from), Date.parse(u.to));
  return { seq, charges: billedCharges(seq, u, pieces), item: null, unpriced: pieces.some((p) => p.price === null) };
}

/** What one usage event, delivered at stream sequence `seq`, does to the ledgers. */
export function planEvent(prices: readonly PriceEntry[], seq: number, u: UsageEvent): Planned {
  return u.kind === "predict" ? planPredict(prices, seq, u) : planUptime(prices, seq, u);
}

/** Plans a batch of events, in stream order. */
export function planBatch(prices: readonly PriceEntry[], events: readonly { seq: number; event: UsageEvent }[]) {
  return events.map(({ seq, event }) => planEvent(prices, seq, event));
}
