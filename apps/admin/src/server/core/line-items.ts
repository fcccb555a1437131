import { AccountId } from "@gantry/contracts/ids";
import { Timestamp } from "@gantry/contracts/time";
import { z } from "zod";
import type { SpendPoint } from "./timeline.ts";

/**
 * What the spend charts read from the `line-items` bucket: the few fields of a billed line item
 * they need. Billing stores either one item per key (`LineItem`) or chunks of items per account
 * and period (`{ items: LineItem[] }`); both decode, and fields added later are ignored.
 * A contract of the admin console's own: billing's schemas are still moving.
 */
const BilledItem = z.object({
  account_id: AccountId,
  model: z.string(),
  hardware: z.string(),
  nano: z.number().int().nonnegative(),
  at: Timestamp,
});

export const StoredLineItems = z.union([
  z.object({ items: z.array(BilledItem) }).transform((chunk) => chunk.items),
  BilledItem.transform((item) => [item]),
]);

export function spendPoints(items: z.output<typeof StoredLineItems>): SpendPoint[] {
  return items.map((i) => ({
    at: Date.parse(i.at),
    account: i.account_id,
    hardware: i.hardware,
    model: i.model,
    nano: i.nano,
  }));
}
