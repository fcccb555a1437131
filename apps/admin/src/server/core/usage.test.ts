import type { Ledger } from "@gantry/contracts/billing";
import { describe, expect, it } from "vitest";
import { StoredLineItems, spendPoints } from "./line-items.ts";
import { buildTimeline, TimelineQuery } from "./timeline.ts";
import { parseLedgerKey, periodOf, summarizeLedgers, usd } from "./usage.ts";

const ledger = (account: string, period: string, lines: Record<string, [string, number, number]>): Ledger => {
  const entries = Object.values(lines);
  return {
    account_id: account,
    period,
    last_seq: 1,
    total_nano: entries.reduce((n, [, , nano]) => n + nano, 0),
    predictions: entries.length,
    by_hardware: Object.fromEntries(entries.map(([hw, ms, nano]) => [hw, { ms, nano }])),
    by_model: Object.fromEntries(Object.entries(lines).map(([m, [, ms, nano]]) => [m, { ms, nano }])),
    by_deployment: {},
    by_unit: {},
  };
};

describe("usage", () => {
  it("formats nano-dollars exactly", () => {
    expect(usd(1_500_000_000)).toBe("1.50");
    expect(usd(25_000)).toBe("0.000025");
    expect(usd(0)).toBe("0.00");
  });

  it("knows periods and ledger keys", () => {
    expect(periodOf(new Date("2026-03-31T23:59:59Z"))).toBe("2026-03");
    expect(parseLedgerKey("dev.2026-03")).toEqual({ account: "dev", period: "2026-03" });
    expect(parseLedgerKey("_position")).toBeNull();
  });

  it("sums ledgers of the period by hardware, model and account", () => {
    const s = summarizeLedgers("2026-03", [
      ledger("alice", "2026-03", { "gantry/test": ["cpu", 2000, 200_000] }),
      ledger("bob", "2026-03", { "gantry/test": ["cpu", 1000, 100_000], "gantry/image": ["gpu-t4", 1000, 225_000] }),
      ledger("bob", "2026-02", { "gantry/test": ["cpu", 9000, 900_000] }),
    ]);
    expect(s.total_nano).toBe(525_000);
    expect(s.predictions).toBe(3);
    expect(s.by_hardware).toEqual([
      { key: "cpu", ms: 3000, nano: 300_000, usd: "0.0003" },
      { key: "gpu-t4", ms: 1000, nano: 225_000, usd: "0.000225" },
    ]);
    expect(s.by_account.map((r) => [r.key, r.nano])).toEqual([
      ["bob", 325_000],
      ["alice", 200_000],
    ]);
    expect(s.by_model.map((r) => r.key)).toEqual(["gantry/test", "gantry/image"]);
  });
});

describe("timeline", () => {
  it("buckets spend per group over the window ending now", () => {
    const now = 10 * 3_600_000;
    const point = (h: number, hardware: string, nano: number) => ({
      at: now - h * 3_600_000,
      account: "a",
      hardware,
      model: "m",
      nano,
    });
    const t = buildTimeline(
      [point(0.5, "cpu", 5), point(1.5, "cpu", 7), point(1.2, "gpu-t4", 100), point(30, "cpu", 999)],
      TimelineQuery.parse({ hours: 2, buckets: 2 }),
      now,
    );
    expect(t.bucket_ms).toBe(3_600_000);
    expect(t.starts).toEqual([now - 7_200_000, now - 3_600_000]);
    expect(t.series).toEqual([
      { key: "gpu-t4", values: [100, 0], total_nano: 100 },
      { key: "cpu", values: [7, 5], total_nano: 12 },
    ]);
  });
});

describe("stored line items", () => {
  const item = {
    prediction_id: "p".repeat(26),
    account_id: "dev",
    model: "gantry/test",
    hardware: "cpu",
    period: "2026-03",
    ms: 1000,
    price_per_second: 100_000,
    nano: 100_000,
    at: "2026-03-01T00:00:00.000Z",
  };

  it("reads one item per key, or a chunk of items", () => {
    const one = spendPoints(StoredLineItems.parse(item));
    expect(one).toEqual([
      { at: Date.parse(item.at), account: "dev", hardware: "cpu", model: "gantry/test", nano: 100_000 },
    ]);
    const chunk = StoredLineItems.parse({
      account_id: "dev",
      period: "2026-03",
      chunk: 0,
      items: [item, { ...item, nano: 5 }],
    });
    expect(spendPoints(chunk).map((p) => p.nano)).toEqual([100_000, 5]);
    expect(StoredLineItems.safeParse({ nope: 1 }).success).toBe(false);
  });
});
