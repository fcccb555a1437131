import type { Ledger, PriceEntry, SpendLine } from "@gantry/contracts/billing";
import type { PredictUsage, UptimeUsage, UsageEvent } from "@gantry/contracts/usage";
import { ledgerKey } from "../src/core/ledger.ts";
import { planEvent } from "../src/core/plan.ts";
import { DEFAULT_PRICES } from "../src/core/prices.ts";
import type { Random } from "./random.ts";

/** Usage falls between these instants: across two month ends, so periods split. */
export const WINDOW_START = Date.parse("2026-01-28T00:00:00.000Z");
export const WINDOW_END = Date.parse("2026-03-03T00:00:00.000Z");
export const SKUS = ["cpu", "gpu-t4", "gpu-a100-large"] as const;
const ACCOUNTS = ["alice", "bob", "carol"];
const MODELS = ["acme/llm", "acme/sdxl", "bob/private"];
const DEPLOYMENTS = ["acme/llm-prod", "bob/edge"];
const VERSION = "a".repeat(64);

const iso = (ms: number) => new Date(ms).toISOString();
export const predictionId = (i: number) => `p${i.toString(36).padStart(25, "0")}`;

/** The catalog's prices plus up to three changes per SKU inside the window. */
export function genPrices(rng: Random): PriceEntry[] {
  const prices = [...DEFAULT_PRICES];
  for (const sku of SKUS) {
    for (let n = rng.int(4); n > 0; n--) {
      const at = rng.chance(0.3) ? Date.parse("2026-02-01T00:00:00.000Z") : rng.between(WINDOW_START, WINDOW_END);
      prices.push({ sku, price_per_second: rng.between(0, 3_000_000), effective_from: iso(at) });
    }
  }
  return prices;
}

export function genPredict(rng: Random, i: number): PredictUsage {
  const deployment = rng.chance(0.3) ? rng.pick(DEPLOYMENTS) : null;
  return {
    kind: "predict",
    prediction_id: predictionId(i),
    account_id: rng.pick(ACCOUNTS),
    model: rng.pick(MODELS),
    version_id: VERSION,
    agent_id: "agent-0",
    hardware: rng.pick(SKUS),
    predict_ms: rng.chance(0.05) ? 0 : rng.between(1, 120_000),
    at: iso(rng.between(WINDOW_START, WINDOW_END)),
    ...(deployment || rng.chance(0.2) ? { billing: deployment ? "uptime" : "predict", deployment } : {}),
  };
}

export function genUptime(rng: Random, instance: number, interval: number): UptimeUsage {
  const from = rng.between(WINDOW_START, WINDOW_END);
  return {
    kind: "uptime",
    agent_id: "agent-0",
    instance_id: `inst-${instance}`,
    interval,
    account_id: rng.pick(ACCOUNTS),
    model: rng.pick(MODELS),
    version_id: VERSION,
    hardware: rng.pick(SKUS),
    from: iso(from),
    to: iso(from + rng.between(0, 600_000)),
    billing: rng.chance(0.8) ? "uptime" : "predict",
    deployment: rng.chance(0.6) ? rng.pick(DEPLOYMENTS) : null,
  };
}

/** `n` distinct usage events (distinct message ids), about a third of them up time. */
export function genEvents(rng: Random, n: number): UsageEvent[] {
  const intervals = new Map<number, number>();
  return Array.from({ length: n }, (_, i) => {
    if (!rng.chance(0.35)) return genPredict(rng, i);
    const instance = rng.int(6);
    const interval = intervals.get(instance) ?? 0;
    intervals.set(instance, interval + 1);
    return genUptime(rng, instance, interval);
  });
}

/** A ledger without its stream position: what must come out the same however events arrive. */
export type Totals = Omit<Ledger, "last_seq">;

const add = (lines: Record<string, SpendLine>, key: string, ms: number, nano: number) => {
  lines[key] = { ms: (lines[key]?.ms ?? 0) + ms, nano: (lines[key]?.nano ?? 0) + nano };
};

/** The totals computed directly from unique events, with no stream, batches or stores involved. */
export function directTotals(prices: readonly PriceEntry[], events: readonly UsageEvent[]): Map<string, Totals> {
  const out = new Map<string, Totals>();
  for (const e of events) {
    for (const c of planEvent(prices, 1, e).charges) {
      const key = ledgerKey(c.accountId, c.period);
      const t = out.get(key) ?? {
        account_id: c.accountId,
        period: c.period,
        total_nano: 0,
        predictions: 0,
        by_hardware: {},
        by_model: {},
        by_deployment: {},
        by_unit: {},
      };
      out.set(key, t);
      if (c.prediction) t.predictions++;
      if (!c.billed) continue;
      t.total_nano += c.nano;
      if (c.unit) {
        const k = `${c.model} ${c.unit.unit}`;
        const line = t.by_unit[k] ?? { model: c.model, unit: c.unit.unit, units: 0, nano: 0 };
        t.by_unit[k] = { ...line, units: line.units + c.unit.units, nano: line.nano + c.nano };
      } else add(t.by_hardware, c.hardware, c.ms, c.nano);
      add(t.by_model, c.model, c.ms, c.nano);
      if (c.deployment) add(t.by_deployment, c.deployment, c.ms, c.nano);
    }
  }
  return out;
}

/** Ledgers keyed like the store, without `last_seq`, for comparison with {@link directTotals}. */
export function totalsOf(ledgers: Iterable<[string, Ledger]>): Map<string, Totals> {
  const out = new Map<string, Totals>();
  for (const [key, { last_seq: _, ...rest }] of ledgers) out.set(key, rest);
  return out;
}
