import type { Ledger, SpendLine } from "@gantry/contracts/billing";
import { NANO_DOLLARS_PER_DOLLAR } from "@gantry/contracts/hardware";

/** The billing period (calendar month, UTC) of an instant: `YYYY-MM`. */
export const periodOf = (d: Date) => d.toISOString().slice(0, 7);

/** Ledger keys are `<account>.<YYYY-MM>`; other keys of the bucket (billing's position) are not ledgers. */
export function parseLedgerKey(key: string): { account: string; period: string } | null {
  const m = /^([a-z0-9]{1,64})\.(\d{4}-\d{2})$/.exec(key);
  return m?.[1] && m[2] ? { account: m[1], period: m[2] } : null;
}

/** Dollars of a nano-dollar amount, exact, at least two decimals: 1_500_000_000 → "1.50". */
export function usd(nano: number): string {
  const unit = BigInt(NANO_DOLLARS_PER_DOLLAR);
  const abs = BigInt(Math.abs(Math.trunc(nano)));
  const fraction = (abs % unit).toString().padStart(9, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${nano < 0 ? "-" : ""}${abs / unit}.${fraction}`;
}

export interface SpendRow {
  key: string;
  ms: number;
  nano: number;
  usd: string;
}

export interface UsageSummary {
  period: string;
  total_nano: number;
  total_usd: string;
  predictions: number;
  by_hardware: SpendRow[];
  by_model: SpendRow[];
  by_account: SpendRow[];
}

const rows = (lines: Map<string, SpendLine>): SpendRow[] =>
  [...lines.entries()]
    .map(([key, l]) => ({ key, ms: l.ms, nano: l.nano, usd: usd(l.nano) }))
    .sort((a, b) => b.nano - a.nano || a.key.localeCompare(b.key));

const add = (into: Map<string, SpendLine>, key: string, line: SpendLine) => {
  const prev = into.get(key) ?? { ms: 0, nano: 0 };
  into.set(key, { ms: prev.ms + line.ms, nano: prev.nano + line.nano });
};

/** Spend of one period across the given ledgers (all accounts, or one), by hardware, model and account. */
export function summarizeLedgers(period: string, ledgers: readonly Ledger[]): UsageSummary {
  const hardware = new Map<string, SpendLine>();
  const model = new Map<string, SpendLine>();
  const account = new Map<string, SpendLine>();
  let total = 0;
  let predictions = 0;
  for (const l of ledgers) {
    if (l.period !== period) continue;
    total += l.total_nano;
    predictions += l.predictions;
    for (const [k, v] of Object.entries(l.by_hardware)) add(hardware, k, v);
    for (const [k, v] of Object.entries(l.by_model)) add(model, k, v);
    const ms = Object.values(l.by_hardware).reduce((n, v) => n + v.ms, 0);
    add(account, l.account_id, { ms, nano: l.total_nano });
  }
  return {
    period,
    total_nano: total,
    total_usd: usd(total),
    predictions,
    by_hardware: rows(hardware),
    by_model: rows(model),
    by_account: rows(account),
  };
}
