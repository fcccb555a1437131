import type { PredictUsage, UptimeUsage } from "@gantry/contracts/usage";
import { describe, expect, it } from "vitest";
import { applyCharges, emptyLedger } from "./ledger.ts";
import { planEvent } from "./plan.ts";
import { DEFAULT_PRICES } from "./prices.ts";

const predict = (over: Partial<PredictUsage> = {}): PredictUsage => ({
  kind: "predict",
  prediction_id: "p".repeat(26),
  account_id: "alice",
  model: "acme/llm",
  version_id: "a".repeat(64),
  agent_id: "agent-0",
  hardware: "gpu-a100-large",
  predict_ms: 2500,
  at: "2026-02-10T00:00:00.000Z",
  ...over,
});

const uptime = (over: Partial<UptimeUsage> = {}): UptimeUsage => ({
  kind: "uptime",
  agent_id: "agent-0",
  instance_id: "inst-1",
  interval: 0,
  account_id: "alice",
  model: "alice/private",
  version_id: "a".repeat(64),
  hardware: "gpu-t4",
  from: "2026-02-10T00:00:00.000Z",
  to: "2026-02-10T00:01:00.000Z",
  ...over,
});

const ledgerOf = (...plans: ReturnType<typeof planEvent>[]) =>
  applyCharges(
    emptyLedger("alice", "2026-02"),
    plans.flatMap((p) => p.charges),
  );

describe("planning usage events", () => {
  it("a public model's prediction bills its predict time and gets a line item", () => {
    const p = planEvent(DEFAULT_PRICES, 7, predict());
    expect(p.item).toMatchObject({
      ms: 2500,
      nano: 3_500_000,
      price_per_second: 1_400_000,
      billing: "predict",
      seq: 7,
    });
    expect(ledgerOf(p)).toMatchObject({
      last_seq: 7,
      total_nano: 3_500_000,
      predictions: 1,
      by_hardware: { "gpu-a100-large": { ms: 2500, nano: 3_500_000 } },
      by_model: { "acme/llm": { ms: 2500, nano: 3_500_000 } },
      by_deployment: {},
    });
  });

  it("a prediction on an instance billed by up time is counted, not charged again", () => {
    const p = planEvent(DEFAULT_PRICES, 3, predict({ billing: "uptime", deployment: "acme/llm-prod" }));
    expect(p.item).toMatchObject({ nano: 0, billing: "uptime", deployment: "acme/llm-prod" });
    expect(ledgerOf(p)).toMatchObject({ total_nano: 0, predictions: 1, by_hardware: {}, by_deployment: {} });
  });

  it("a deployment's up time is billed whole, by hardware, model and deployment", () => {
    const p = planEvent(DEFAULT_PRICES, 4, uptime({ deployment: "alice/edge" }));
    expect(p.item).toBeNull();
    expect(ledgerOf(p)).toMatchObject({
      total_nano: 13_500_000,
      predictions: 0,
      by_hardware: { "gpu-t4": { ms: 60_000, nano: 13_500_000 } },
      by_model: { "alice/private": { ms: 60_000, nano: 13_500_000 } },
      by_deployment: { "alice/edge": { ms: 60_000, nano: 13_500_000 } },
    });
  });

  it("a public instance's up time (setup, idle) is free", () => {
    expect(planEvent(DEFAULT_PRICES, 5, uptime({ billing: "predict" })).charges).toEqual([]);
  });

  it("a SKU without a price is charged 0 and flagged", () => {
    expect(planEvent([], 1, predict()).unpriced).toBe(true);
    expect(planEvent(DEFAULT_PRICES, 1, predict()).unpriced).toBe(false);
  });
});

describe("models priced per output", () => {
  const tokens = { unit: "output_token" as const, nano_per_unit: 10_000, input_nano_per_unit: 2_000 };

  it("charges output tokens (and input tokens) at the model's price, never the hardware's seconds", () => {
    const p = planEvent(
      DEFAULT_PRICES,
      7,
      predict({ price: tokens, units: { output_tokens: 120, input_tokens: 30, output_files: 0 }, status: "succeeded" }),
    );
    expect(p.item).toMatchObject({
      unit: "output_token",
      units: 120,
      price_per_unit: 10_000,
      input_units: 30,
      input_price_per_unit: 2_000,
      price_per_second: 0,
      nano: 120 * 10_000 + 30 * 2_000,
      ms: 2500,
    });
    const ledger = ledgerOf(p);
    expect(ledger.total_nano).toBe(1_260_000);
    expect(ledger.by_hardware).toEqual({});
    expect(ledger.by_unit).toEqual({
      "acme/llm output_token": { model: "acme/llm", unit: "output_token", units: 120, nano: 1_260_000 },
    });
    expect(ledger.by_model["acme/llm"]).toEqual({ ms: 2500, nano: 1_260_000 });
    expect(ledger.predictions).toBe(1);
  });

  it("charges a per-prediction price for what succeeded only, and a per-file price per file", () => {
    const perRun = { unit: "prediction" as const, nano_per_unit: 5_000_000 };
    const ok = planEvent(DEFAULT_PRICES, 1, predict({ price: perRun, status: "succeeded" }));
    const failed = planEvent(DEFAULT_PRICES, 2, predict({ price: perRun, status: "failed" }));
    expect([ok.item?.nano, failed.item?.nano]).toEqual([5_000_000, 0]);
    const files = planEvent(
      DEFAULT_PRICES,
      3,
      predict({
        price: { unit: "output_file", nano_per_unit: 3_000_000 },
        units: { output_tokens: 0, output_files: 4 },
      }),
    );
    expect(files.item).toMatchObject({ unit: "output_file", units: 4, nano: 12_000_000 });
    expect(ledgerOf(ok, failed, files).by_unit["acme/llm prediction"]).toEqual({
      model: "acme/llm",
      unit: "prediction",
      units: 1,
      nano: 5_000_000,
    });
  });

  it("on an instance billed by up time, the up time pays: no per-output charge", () => {
    const p = planEvent(
      DEFAULT_PRICES,
      1,
      predict({ billing: "uptime", price: tokens, units: { output_tokens: 9, output_files: 0 } }),
    );
    expect(p.item).toMatchObject({ nano: 0, billing: "uptime" });
    expect(p.item?.unit).toBeUndefined();
  });
});
