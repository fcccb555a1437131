import type { Ledger, SpendLine, UnitLine } from "@gantry/contracts/billing";
import type { PricingUnit } from "@gantry/contracts/models";

/** One change to one ledger, derived from one usage event (an event may yield several). */
export interface Charge {
  /** Stream sequence of the usage event. */
  seq: number;
  accountId: string;
  period: string;
  model: string;
  hardware: string;
  deployment: string | null;
  ms: number;
  nano: number;
  /** Counts one prediction in this ledger. */
  prediction: boolean;
  /** False when the time is paid for another way (predict time on an instance billed by up time). */
  billed: boolean;
  /**
   * Billed per output (a model's price): `nano` is units × price, and the time is not hardware
   * spend (it goes to `by_model` and `by_unit`, not `by_hardware`).
   */
  unit?: { unit: PricingUnit; units: number };
}

/** The `by_unit` key of a model's per-output spend. */
export const unitKey = (model: string, unit: PricingUnit) => `${model} ${unit}`;

export const emptyLedger = (accountId: string, period: string): Ledger => ({
  account_id: accountId,
  period,
  last_seq: 0,
  total_nano: 0,
  predictions: 0,
  by_hardware: {},
  by_model: {},
  by_deployment: {},
  by_unit: {},
});

export const ledgerKey = (accountId: string, period: string) => `${accountId}.${period}`;

const copyLines = (lines: Record<string, SpendLine>) => {
  const out: Record<string, SpendLine> = {};
  for (const [k, v] of Object.entries(lines)) out[k] = { ms: v.ms, nano: v.nano };
  return out;
};

const copyUnits = (lines: Record<string, UnitLine>) => {
  const out: Record<string, UnitLine> = {};
  for (const [k, v] of Object.entries(lines)) out[k] = { ...v };
  return out;
};

const add = (lines: Record<string, SpendLine>, key: string, ms: number, nano: number) => {
  const line = lines[key];
  if (line) {
    line.ms += ms;
    line.nano += nano;
  } else {
    lines[key] = { ms, nano };
  }
};

/**
 * Applies charges in stream order. A charge whose event is at or below the ledger's `last_seq` was
 * applied before (a redelivery or a replay after a crash) and is skipped, so each usage event
 * counts exactly once. Several charges of one event (a span cut at a price change) all apply.
 * Returns the same object when nothing changed.
 */
export function applyCharges(ledger: Ledger, charges: readonly Charge[]): Ledger {
  const floor = ledger.last_seq;
  let next: Ledger | null = null;
  for (const c of charges) {
    if (c.seq <= floor) continue;
    next ??= {
      ...ledger,
      by_hardware: copyLines(ledger.by_hardware),
      by_model: copyLines(ledger.by_model),
      by_deployment: copyLines(ledger.by_deployment),
      by_unit: copyUnits(ledger.by_unit),
    };
    next.last_seq = Math.max(next.last_seq, c.seq);
    if (c.prediction) next.predictions += 1;
    if (!c.billed) continue;
    next.total_nano += c.nano;
    if (c.unit) {
      const key = unitKey(c.model, c.unit.unit);
      const line = next.by_unit[key] ?? { model: c.model, unit: c.unit.unit, units: 0, nano: 0 };
      next.by_unit[key] = { ...line, units: line.units + c.unit.units, nano: line.nano + c.nano };
    } else add(next.by_hardware, c.hardware, c.ms, c.nano);
    add(next.by_model, c.model, c.ms, c.nano);
    if (c.deployment) add(next.by_deployment, c.deployment, c.ms, c.nano);
  }
  return next ?? ledger;
}

/** Charges grouped by ledger key, each group in the order given. */
export function groupByLedger(charges: readonly Charge[]): Map<string, Charge[]> {
  const groups = new Map<string, Charge[]>();
  for (const c of charges) {
    const key = ledgerKey(c.accountId, c.period);
    const list = groups.get(key);
    if (list) list.push(c);
    else groups.set(key, [c]);
  }
  return groups;
}
