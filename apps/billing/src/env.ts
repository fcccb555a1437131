import { PriceEntry } from "@gantry/contracts/billing";
import { z } from "zod";

/** The only reader of `process.env` in billing. */
const Env = z.object({
  /** NATS server(s) to connect to (`nats://` or, on a cluster with TLS, `tls://`). */
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** This service's NATS nkey seed (`SU…`); without one (or the file below) NATS refuses it. */
  NATS_NKEY_SEED: z.string().min(1).optional(),
  /** A file holding the seed instead (a mounted secret). */
  NATS_NKEY_SEED_FILE: z.string().min(1).optional(),
  /** CA of the NATS servers' certificates, for `tls://` URLs (a cluster: infra/nats/cluster). */
  NATS_TLS_CA_FILE: z.string().min(1).optional(),
  /** JSON array of price entries (`{sku, price_per_second, effective_from}`) added to the catalog's. */
  GANTRY_PRICES: z
    .string()
    .optional()
    .transform((s) => (s ? z.array(PriceEntry).parse(JSON.parse(s)) : [])),
  /** Usage events applied per batch (at most). */
  GANTRY_BILLING_BATCH: z.coerce.number().int().positive().default(4000),
  /** How long a small batch (under 100 events) that caught up with the usage stream waits for more (ms; 0: none). */
  GANTRY_BILLING_LINGER_MS: z.coerce.number().int().min(0).max(10_000).default(200),
  /** How long after a month ends its usage may still arrive before it can be invoiced. */
  GANTRY_BILLING_INVOICE_GRACE_MS: z.coerce.number().int().nonnegative().default(3_600_000),
  /** Replicas of every stream and bucket (3 on a cluster); the same in every service. */
  GANTRY_NATS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** How long a finished prediction's input, output, logs and output files are kept; the same in every service. */
  GANTRY_RETENTION_MS: z.coerce.number().int().positive().default(3_600_000),
  /** Port of this process's Prometheus `/metrics` (its own port, never the API's); unset: none. */
  GANTRY_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Address `/metrics` listens on: loopback unless a scraper elsewhere needs it. */
  GANTRY_METRICS_HOST: z.string().default("127.0.0.1"),
});

export const env = Env.parse(process.env);
