import { formatUsd, type Invoice, type Ledger } from "@gantry/contracts/billing";
import { findHardware } from "@gantry/contracts/hardware";
import { periodEnd } from "./prices.ts";

/**
 * A period is closed `graceMs` after it ends: usage reported late (a prediction that ended at
 * 23:59:59 on the last day, an up-time interval that straddles midnight) still lands in it.
 */
export function isClosed(period: string, now: Date, graceMs: number): boolean {
  return now.getTime() >= periodEnd(period) + graceMs;
}

const UNIT_NAMES = { output_token: "output tokens", prediction: "predictions", output_file: "output files" };

/**
 * The invoice of a period from its ledger: one line per hardware SKU, sorted by SKU, then one per
 * model billed per output (and unit), sorted by model.
 */
export function invoiceFor(ledger: Ledger): Invoice {
  const lines = Object.entries(ledger.by_hardware)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sku, line]) => ({
      sku,
      description: findHardware(sku)?.name ?? sku,
      seconds: line.ms / 1000,
      nano: line.nano,
      usd: formatUsd(line.nano),
    }));
  const unitLines = Object.values(ledger.by_unit)
    .sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : a.unit < b.unit ? -1 : 1))
    .map((line) => ({
      sku: line.model,
      description: `${line.model}, ${UNIT_NAMES[line.unit]}`,
      seconds: 0,
      unit: line.unit,
      units: line.units,
      nano: line.nano,
      usd: formatUsd(line.nano),
    }));
  lines.push(...unitLines);
  return {
    account_id: ledger.account_id,
    period: ledger.period,
    period_end: new Date(periodEnd(ledger.period)).toISOString(),
    lines,
    predictions: ledger.predictions,
    total_nano: ledger.total_nano,
    total_usd: formatUsd(ledger.total_nano),
  };
}
