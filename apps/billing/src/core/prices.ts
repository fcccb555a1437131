import type { PriceEntry } from "@gantry/contracts/billing";
import { HARDWARE_CATALOG } from "@gantry/contracts/hardware";

/** The catalog's prices, in force since the epoch. */
export const DEFAULT_PRICES: PriceEntry[] = HARDWARE_CATALOG.map((h) => ({
  sku: h.sku,
  price_per_second: h.price_per_second,
  effective_from: "1970-01-01T00:00:00.000Z",
}));

interface Step {
  fromMs: number;
  price: number;
}

/** Each SKU's prices as steps sorted by start; of entries starting together, the last listed wins. */
const books = new WeakMap<readonly PriceEntry[], Map<string, Step[]>>();

function bookOf(prices: readonly PriceEntry[]): Map<string, Step[]> {
  let book = books.get(prices);
  if (book) return book;
  book = new Map();
  for (const p of prices) {
    const steps = book.get(p.sku) ?? [];
    steps.push({ fromMs: Date.parse(p.effective_from), price: p.price_per_second });
    book.set(p.sku, steps);
  }
  for (const steps of book.values()) steps.sort((a, b) => a.fromMs - b.fromMs); // stable: listing order kept
  books.set(prices, book);
  return book;
}

/**
 * The price of `sku` at `at`: the latest entry in force then. A price change is a new entry with a
 * later `effective_from`, so usage before it keeps its old price and history is never rewritten.
 * (The table is indexed once per array: treat a price list as immutable.)
 */
export function priceAt(prices: readonly PriceEntry[], sku: string, at: Date): number | null {
  const steps = bookOf(prices).get(sku);
  const t = at.getTime();
  let price: number | null = null;
  for (const s of steps ?? []) {
    if (s.fromMs > t) break;
    price = s.price;
  }
  return price;
}

/** Instants (ms) in `(fromMs, toMs)` where the price of `sku` may change, ascending. */
export function priceChangesBetween(prices: readonly PriceEntry[], sku: string, fromMs: number, toMs: number) {
  const out: number[] = [];
  for (const s of bookOf(prices).get(sku) ?? []) {
    if (s.fromMs >= toMs) break;
    if (s.fromMs > fromMs && out[out.length - 1] !== s.fromMs) out.push(s.fromMs);
  }
  return out;
}

/** Integer nano-dollars for `ms` milliseconds at a per-second price (half-up at the last unit). */
export function amountFor(pricePerSecond: number, ms: number): number {
  return Math.floor((pricePerSecond * ms + 500) / 1000);
}

/** Billing period of a moment: its calendar month in UTC, `YYYY-MM`. */
export function periodOf(at: Date): string {
  const month = at.getUTCMonth() + 1;
  return `${String(at.getUTCFullYear()).padStart(4, "0")}-${month < 10 ? "0" : ""}${month}`;
}

/** First instant (ms since the epoch) of a period. */
export function periodStart(period: string): number {
  return Date.UTC(Number(period.slice(0, 4)), Number(period.slice(5, 7)) - 1, 1);
}

/** First instant (ms) after a period: the start of the next month. */
export function periodEnd(period: string): number {
  return Date.UTC(Number(period.slice(0, 4)), Number(period.slice(5, 7)), 1);
}
