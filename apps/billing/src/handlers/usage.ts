import { BillingQuery, Ledger } from "@gantry/contracts/billing";
import { decode } from "@gantry/platform/codec";
import type { KV } from "@nats-io/kv";
import type { Msg } from "@nats-io/nats-core";
import { emptyLedger, ledgerKey } from "../core/ledger.ts";

/** The stored ledger of an account and period, or an empty one. */
export async function readLedger(kv: KV, accountId: string, period: string): Promise<Ledger> {
  const entry = await kv.get(ledgerKey(accountId, period));
  return entry?.operation === "PUT" ? decode(Ledger, entry.value, "ledger") : emptyLedger(accountId, period);
}

/** `billing.v1.usage`: `BillingQuery` → `Ledger`. */
export async function handleUsage(kv: KV, msg: Msg): Promise<Ledger> {
  const q = decode(BillingQuery, msg.data, "usage request");
  return readLedger(kv, q.account_id, q.period);
}
