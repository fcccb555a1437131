import { Ledger, type LineItem, type PriceEntry } from "@gantry/contracts/billing";
import { STREAMS } from "@gantry/contracts/subjects";
import { PredictUsage } from "@gantry/contracts/usage";
import { decode, encode } from "@gantry/platform/codec";
import type { Logger } from "@gantry/platform/logger";
import { ensureTopology, type TopologyOptions } from "@gantry/platform/topology";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import { applyCharges, type Charge, emptyLedger, ledgerKey } from "./core/ledger.ts";
import { amountFor, periodOf, priceAt } from "./core/prices.ts";

export interface BillingConfig {
  prices: PriceEntry[];
  /** Usage events applied per batch. */
  batchSize: number;
  topology: TopologyOptions;
}

export interface BillingDeps {
  nc: NatsConnection;
  log: Logger;
  config: BillingConfig;
}

const CONSUMER = "billing";

/**
 * Billing: applies usage events from the `USAGE` stream, in stream order, to per-account,
 * per-period ledgers. Each ledger stores the sequence of the last event applied to it, and is
 * written with CAS before the batch is acknowledged, so a crash or a redelivery never counts an
 * event twice and never loses one.
 */
export async function start({ nc, log, config }: BillingDeps): Promise<{ stop(): Promise<void> }> {
  const buckets = await ensureTopology(nc, config.topology);
  const jsm = await jetstreamManager(nc);
  await jsm.consumers
    .add(STREAMS.usage.name, {
      durable_name: CONSUMER,
      ack_policy: AckPolicy.All,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 30_000_000_000,
      max_ack_pending: config.batchSize * 4,
    })
    .catch((err: unknown) => {
      if (!String(err).includes("already in use")) throw err;
    });
  const consumer = await jetstream(nc).consumers.get(STREAMS.usage.name, CONSUMER);
  let running = true;

  const loop = (async () => {
    while (running) {
      const batch = await consumer.fetch({ max_messages: config.batchSize, expires: 1000 });
      const charges: Charge[] = [];
      const items: LineItem[] = [];
      let last: { ack(): void } | null = null;
      for await (const m of batch) {
        last = m;
        try {
          const u = decode(PredictUsage, m.data, "usage");
          const at = new Date(u.at);
          const price = priceAt(config.prices, u.hardware, at) ?? 0;
          const period = periodOf(at);
          const nano = amountFor(price, u.predict_ms);
          charges.push({
            seq: m.seq,
            accountId: u.account_id,
            period,
            model: u.model,
            hardware: u.hardware,
            ms: u.predict_ms,
            nano,
          });
          items.push({
            prediction_id: u.prediction_id,
            account_id: u.account_id,
            model: u.model,
            hardware: u.hardware,
            period,
            ms: u.predict_ms,
            price_per_second: price,
            nano,
            at: u.at,
          });
        } catch (err) {
          log.error("usage event refused", { seq: m.seq, err: String(err) });
        }
      }
      if (!last) continue;
      for (const item of items) await buckets.lineItems.put(item.prediction_id, encode(item));
      await applyToLedgers(buckets.ledger, charges);
      last.ack();
    }
  })();

  log.info("billing started");
  return {
    async stop() {
      running = false;
      await loop.catch(() => {});
    },
  };
}

/** One CAS write per touched ledger, retried against the fresh value on conflict. */
async function applyToLedgers(kv: KV, charges: Charge[]): Promise<void> {
  const byKey = new Map<string, Charge[]>();
  for (const c of charges) {
    const key = ledgerKey(c.accountId, c.period);
    byKey.set(key, [...(byKey.get(key) ?? []), c]);
  }
  for (const [key, list] of byKey) {
    const first = list[0];
    if (!first) continue;
    for (let attempt = 0; ; attempt++) {
      const entry = await kv.get(key);
      const current =
        entry?.operation === "PUT" ? decode(Ledger, entry.value, "ledger") : emptyLedger(first.accountId, first.period);
      const next = applyCharges(current, list);
      if (next === current) break;
      try {
        if (entry?.operation === "PUT") await kv.update(key, encode(next), entry.revision);
        else await kv.create(key, encode(next));
        break;
      } catch (err) {
        if (attempt > 10) throw err;
      }
    }
  }
}
