import { formatUsd } from "@gantry/contracts/billing";
import { describe, expect, it } from "vitest";
import { invoiceFor, isClosed } from "./invoice.ts";
import { emptyLedger } from "./ledger.ts";

describe("invoices", () => {
  it("a period closes a grace time after it ends", () => {
    expect(isClosed("2026-02", new Date("2026-02-28T23:59:59.999Z"), 0)).toBe(false);
    expect(isClosed("2026-02", new Date("2026-03-01T00:00:00.000Z"), 0)).toBe(true);
    expect(isClosed("2026-02", new Date("2026-03-01T00:59:59.999Z"), 3_600_000)).toBe(false);
    expect(isClosed("2026-02", new Date("2026-03-01T01:00:00.000Z"), 3_600_000)).toBe(true);
  });

  it("one line per SKU, sorted, with exact dollars", () => {
    const ledger = {
      ...emptyLedger("alice", "2026-02"),
      total_nano: 1_525_000_000 + 25_000,
      predictions: 3,
      by_hardware: {
        "gpu-h100": { ms: 1_000_000, nano: 1_525_000_000 },
        "cpu-small": { ms: 1000, nano: 25_000 },
      },
    };
    expect(invoiceFor(ledger)).toEqual({
      account_id: "alice",
      period: "2026-02",
      period_end: "2026-03-01T00:00:00.000Z",
      lines: [
        { sku: "cpu-small", description: "CPU (Small)", seconds: 1, nano: 25_000, usd: "0.000025" },
        { sku: "gpu-h100", description: "Nvidia H100 GPU", seconds: 1000, nano: 1_525_000_000, usd: "1.525" },
      ],
      predictions: 3,
      total_nano: 1_525_025_000,
      total_usd: "1.525025",
    });
  });

  it("formats nano-dollars as exact decimal dollars", () => {
    expect(formatUsd(0)).toBe("0.00");
    expect(formatUsd(1_500_000_000)).toBe("1.50");
    expect(formatUsd(1)).toBe("0.000000001");
    expect(formatUsd(123_456_789_012_345)).toBe("123456.789012345");
  });

  it("models billed per output get a line each, after the hardware, with units", () => {
    const ledger = {
      ...emptyLedger("alice", "2026-02"),
      total_nano: 1_200_000,
      by_unit: {
        "acme/llm output_token": { model: "acme/llm", unit: "output_token" as const, units: 120, nano: 1_200_000 },
      },
    };
    expect(invoiceFor(ledger).lines).toEqual([
      {
        sku: "acme/llm",
        description: "acme/llm, output tokens",
        seconds: 0,
        unit: "output_token",
        units: 120,
        nano: 1_200_000,
        usd: formatUsd(1_200_000),
      },
    ]);
  });
});
