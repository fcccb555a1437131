import type { Ledger, SpendLine } from "@gantry/contracts/billing";

export interface Charge {
  seq: number;
  accountId: string;
  period: string;
  model: string;
  hardware: string;
  ms: number;
  nano: number;
}

export const emptyLedger = (accountId: string, period: string): Ledger => ({
  account_id: accountId,
  period,
  last_seq: 0,
  total_nano: 0,
  predictions: 0,
  by_hardware: {},
  by_model: {},
});

const add = (lines: Record<string, SpendLine>, key: string, ms: number, nano: number) => {
  const prev = lines[key] ?? { ms: 0, nano: 0 };
  return { ...lines, [key]: { ms: prev.ms + ms, nano: prev.nano + nano } };
};

/**
 * Applies charges in stream order. A charge at or below `last_seq` was applied before (a
 * redelivery after a crash) and is skipped, so each usage event counts exactly once.
 */
export function applyCharges(ledger: Ledger, charges: readonly Charge[]): Ledger {
  let next = ledger;
  for (const c of charges) {
    if (c.seq <= next.last_seq) continue;
    next = {
      ...next,
      last_seq: c.seq,
      total_nano: next.total_nano + c.nano,
      predictions: next.predictions + 1,
      by_hardware: add(next.by_hardware, c.hardware, c.ms, c.nano),
      by_model: add(next.by_model, c.model, c.ms, c.nano),
    };
  }
  return next;
}

export const ledgerKey = (accountId: string, period: string) => `${accountId}.${period}`;
