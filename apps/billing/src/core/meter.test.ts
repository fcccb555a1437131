import type { PriceEntry } from "@gantry/contracts/billing";
import { describe, expect, it } from "vitest";
import { forAllSeeds } from "../../test/random.ts";
import { genPrices, SKUS, WINDOW_END, WINDOW_START } from "../../test/usage-gen.ts";
import { meter } from "./meter.ts";
import { amountFor, DEFAULT_PRICES, periodEnd, periodOf, periodStart, priceAt } from "./prices.ts";

const t = (iso: string) => Date.parse(iso);
const CHANGE = "2026-02-10T12:00:00.000Z";
const prices: PriceEntry[] = [
  ...DEFAULT_PRICES,
  { sku: "gpu-a100-large", price_per_second: 2_000_000, effective_from: CHANGE },
];

describe("prices", () => {
  it("a price applies from its effective time, never before", () => {
    expect(priceAt(prices, "gpu-a100-large", new Date(t(CHANGE) - 1))).toBe(1_400_000);
    expect(priceAt(prices, "gpu-a100-large", new Date(t(CHANGE)))).toBe(2_000_000);
    expect(priceAt(prices, "gpu-t4", new Date(t(CHANGE)))).toBe(225_000);
    expect(priceAt(prices, "gpu-unknown", new Date(t(CHANGE)))).toBeNull();
  });

  it("amounts are integer nano-dollars, half up", () => {
    expect(amountFor(1_400_000, 1000)).toBe(1_400_000);
    expect(amountFor(25_000, 1)).toBe(25);
    expect(amountFor(1, 499)).toBe(0);
    expect(amountFor(1, 500)).toBe(1);
  });

  it("periods are UTC calendar months", () => {
    expect(periodOf(new Date("2026-02-28T23:59:59.999Z"))).toBe("2026-02");
    expect(periodOf(new Date("2026-03-01T00:00:00.000Z"))).toBe("2026-03");
    expect(periodStart("2026-12")).toBe(t("2026-12-01T00:00:00.000Z"));
    expect(periodEnd("2026-12")).toBe(t("2027-01-01T00:00:00.000Z"));
  });
});

describe("meter", () => {
  it("a span across a price change is billed at each price for its own part", () => {
    const pieces = meter(prices, "gpu-a100-large", t(CHANGE) - 10_000, t(CHANGE) + 5_000);
    expect(pieces.map((p) => [p.price, p.ms, p.nano])).toEqual([
      [1_400_000, 10_000, 14_000_000],
      [2_000_000, 5_000, 10_000_000],
    ]);
  });

  it("a span across the end of a month is split between the two periods", () => {
    const pieces = meter(prices, "cpu", t("2026-02-28T23:59:58.000Z"), t("2026-03-01T00:00:03.000Z"));
    expect(pieces.map((p) => [p.period, p.ms, p.nano])).toEqual([
      ["2026-02", 2000, 200_000],
      ["2026-03", 3000, 300_000],
    ]);
  });

  it("an empty span is nothing", () => {
    expect(meter(prices, "cpu", 5, 5)).toEqual([]);
  });

  it("property: pieces cover the span, each within one price and one period, priced exactly", () => {
    forAllSeeds(200, (rng) => {
      const table = genPrices(rng);
      const sku = rng.pick(SKUS);
      // Spans near a price change or a month end, where cuts happen.
      const anchors = [
        ...table.filter((p) => p.sku === sku).map((p) => Date.parse(p.effective_from)),
        t("2026-02-01T00:00:00.000Z"),
        rng.between(WINDOW_START, WINDOW_END),
      ];
      const from = rng.pick(anchors) - rng.between(0, 3000);
      const to = from + rng.between(0, 6000);
      const pieces = meter(table, sku, from, to);
      expect(pieces.reduce((s, p) => s + p.ms, 0)).toBe(to - from);
      // Brute force, one millisecond at a time, on its own reading of the table.
      const entries = table.filter((p) => p.sku === sku).map((p) => [Date.parse(p.effective_from), p.price_per_second]);
      entries.sort((a, b) => (a[0] as number) - (b[0] as number));
      const priceOfMs = (ms: number) => {
        let price: number | null = null;
        for (const [at, pps] of entries) if ((at as number) <= ms) price = pps as number;
        return price;
      };
      let at = from;
      const wrong: string[] = [];
      for (const p of pieces) {
        if (p.fromMs !== at) wrong.push(`piece starts at ${p.fromMs}, expected ${at}`);
        let exact = 0;
        for (let ms = p.fromMs; ms < p.fromMs + p.ms; ms++) {
          const price = priceOfMs(ms);
          if (price !== p.price) wrong.push(`price at ${ms}: ${price}, piece says ${p.price}`);
          if (ms === p.fromMs || ms === p.fromMs + p.ms - 1) {
            if (periodOf(new Date(ms)) !== p.period) wrong.push(`period at ${ms}`);
          }
          exact += price ?? 0;
        }
        // `exact` is 1000 × the piece's exact price in nano-dollars: rounded once, half up.
        if (Math.abs(p.nano * 1000 - exact) > 500) wrong.push(`nano ${p.nano} for exact ${exact / 1000}`);
        at += p.ms;
      }
      expect(wrong.slice(0, 3)).toEqual([]);
    });
  });
});
