import { BillingQuery, type Invoice } from "@gantry/contracts/billing";
import { AppError } from "@gantry/contracts/errors";
import { decode } from "@gantry/platform/codec";
import type { KV } from "@nats-io/kv";
import type { Msg } from "@nats-io/nats-core";
import { invoiceFor, isClosed } from "../core/invoice.ts";
import { readLedger } from "./usage.ts";

/** `billing.v1.invoice`: `BillingQuery` → `Invoice`, for a closed period only (409 otherwise). */
export async function handleInvoice(kv: KV, msg: Msg, now: Date, graceMs: number): Promise<Invoice> {
  const q = decode(BillingQuery, msg.data, "invoice request");
  if (!isClosed(q.period, now, graceMs)) {
    throw new AppError("CONFLICT", `The billing period ${q.period} is not closed yet; its usage is still changing.`);
  }
  return invoiceFor(await readLedger(kv, q.account_id, q.period));
}
