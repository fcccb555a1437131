import type { PriceEntry } from "@gantry/contracts/billing";
import { subjects } from "@gantry/contracts/subjects";
import type { Logger } from "@gantry/platform/logger";
import { openTopology, type TopologyOptions } from "@gantry/platform/topology";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { handleInvoice } from "./handlers/invoice.ts";
import { reply } from "./handlers/reply.ts";
import { handleUsage } from "./handlers/usage.ts";
import { startIngest } from "./ingest.ts";

export interface BillingConfig {
  prices: PriceEntry[];
  /** Usage events applied per batch (at most). */
  batchSize: number;
  /** How long a batch that caught up with the stream waits for more events (default 200 ms). */
  lingerMs?: number;
  topology: TopologyOptions;
  /** How long after its end a period stays open for late usage before it can be invoiced (default 1 h). */
  invoiceGraceMs?: number;
}

export interface BillingDeps {
  nc: NatsConnection;
  log: Logger;
  config: BillingConfig;
  now?: () => Date;
}

export interface Billing {
  /** Stream sequence of the last usage event applied. */
  readonly position: number;
  stop(): Promise<void>;
}

/** Queue group of the request handlers: one billing instance answers each request. */
const QUEUE = "billing";

/**
 * Billing: applies usage events from the `USAGE` stream, in stream order, to per-account,
 * per-period ledgers (see `ingest.ts` for why nothing counts twice), and answers usage and invoice
 * requests from them. Several instances may run: each applies every event, and the ledgers' CAS
 * writes and `last_seq` make the extra work harmless.
 */
export async function start({ nc, log, config, now = () => new Date() }: BillingDeps): Promise<Billing> {
  // Billing keeps its position with its ledgers (the durable consumer of earlier versions is
  // removed by provisioning).
  const buckets = await openTopology(nc, { identity: "billing", log });
  const ingest = await startIngest({
    nc,
    js: jetstream(nc),
    ledger: buckets.ledger,
    lineItems: buckets.lineItems,
    log,
    now,
    prices: config.prices,
    batchSize: config.batchSize,
    ...(config.lingerMs === undefined ? {} : { lingerMs: config.lingerMs }),
  });
  const graceMs = config.invoiceGraceMs ?? 60 * 60 * 1000;
  const usageSub = nc.subscribe(subjects.billingUsage(), {
    queue: QUEUE,
    callback: (_err, msg) => void reply(msg, log, () => handleUsage(buckets.ledger, msg)),
  });
  const invoiceSub = nc.subscribe(subjects.billingInvoice(), {
    queue: QUEUE,
    callback: (_err, msg) => void reply(msg, log, () => handleInvoice(buckets.ledger, msg, now(), graceMs)),
  });

  log.info("billing started", { position: ingest.position });
  return {
    get position() {
      return ingest.position;
    },
    async stop() {
      usageSub.unsubscribe();
      invoiceSub.unsubscribe();
      await ingest.stop();
    },
  };
}
