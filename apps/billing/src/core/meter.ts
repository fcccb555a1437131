import type { PriceEntry } from "@gantry/contracts/billing";
import { amountFor, periodEnd, periodOf, priceAt, priceChangesBetween } from "./prices.ts";

/** A stretch of time within one billing period and one price. */
export interface Piece {
  period: string;
  /** Nano-dollars per second in force over the whole piece; `null` when the SKU has no price. */
  price: number | null;
  fromMs: number;
  ms: number;
  nano: number;
}

/**
 * Meters the time span `[fromMs, toMs)` on `sku`: cut wherever a price takes effect and wherever
 * a billing period ends, each piece charged at the price in force during it. So a price change
 * applies from its `effective_from` exactly, and a span across midnight of the 1st is split
 * between the two months.
 */
export function meter(prices: readonly PriceEntry[], sku: string, fromMs: number, toMs: number): Piece[] {
  if (!(toMs > fromMs)) return [];
  const cuts = [fromMs, ...priceChangesBetween(prices, sku, fromMs, toMs)];
  for (let t = periodEnd(periodOf(new Date(fromMs))); t < toMs; t = periodEnd(periodOf(new Date(t)))) cuts.push(t);
  cuts.sort((a, b) => a - b);
  cuts.push(toMs);
  const pieces: Piece[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i] as number;
    const b = cuts[i + 1] as number;
    if (b <= a) continue;
    const price = priceAt(prices, sku, new Date(a));
    pieces.push({ period: periodOf(new Date(a)), price, fromMs: a, ms: b - a, nano: amountFor(price ?? 0, b - a) });
  }
  return pieces;
}
