import type { PriceEntry } from "@gantry/contracts/billing";
import { HARDWARE_CATALOG } from "@gantry/contracts/hardware";

/** The catalog's prices, in force since the epoch. */
export const DEFAULT_PRICES: PriceEntry[] = HARDWARE_CATALOG.map((h) => ({
  sku: h.sku,
  price_per_second: h.price_per_second,
  effective_from: "1970-01-01T00:00:00.000Z",
}));

/**
 * The price of `sku` at `at`: the latest entry in force then. A price change is a new entry with a
 * later `effective_from`, so usage before it keeps its old price and history is never rewritten.
 */
export function priceAt(prices: readonly PriceEntry[], sku: string, at: Date): number | null {
  let best: PriceEntry | null = null;
  for (const p of prices) {
    if (p.sku !== sku || Date.parse(p.effective_from) > at.getTime()) continue;
    if (!best || Date.parse(p.effective_from) >= Date.parse(best.effective_from)) best = p;
  }
  return best?.price_per_second ?? null;
}

/** Integer nano-dollars for `ms` milliseconds at a per-second price (half-up at the last unit). */
export function amountFor(pricePerSecond: number, ms: number): number {
  return Math.floor((pricePerSecond * ms + 500) / 1000);
}

/** Billing period of a moment: its calendar month in UTC, `YYYY-MM`. */
export function periodOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}
