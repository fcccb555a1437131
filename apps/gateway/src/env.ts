import { z } from "zod";

/** The only reader of `process.env` in the gateway's Node entry. */
const Env = z.object({
  /** NATS server(s) to connect to (`nats://` or, on a cluster with TLS, `tls://`). */
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** This service's NATS nkey seed (`SU…`); without one (or the file below) NATS refuses it. */
  NATS_NKEY_SEED: z.string().min(1).optional(),
  /** A file holding the seed instead (a mounted secret). */
  NATS_NKEY_SEED_FILE: z.string().min(1).optional(),
  /** CA of the NATS servers' certificates, for `tls://` URLs (a cluster: infra/nats/cluster). */
  NATS_TLS_CA_FILE: z.string().min(1).optional(),
  /** Port the gateway listens on. */
  GANTRY_PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  /** Address the gateway listens on. */
  GANTRY_HOST: z.string().default("127.0.0.1"),
  GANTRY_PUBLIC_URL: z.url().optional(),
  /** Key for signed URLs; when unset, gateways share one kept in NATS. */
  GANTRY_SIGNING_SECRET: z.string().min(16).optional(),
  /** Prediction creates per minute per account (0 = no limit). */
  GANTRY_RATE_LIMIT_CREATE: z.coerce.number().int().min(0).default(600),
  /** Other requests per minute per account (0 = no limit). */
  GANTRY_RATE_LIMIT_OTHER: z.coerce.number().int().min(0).default(3000),
  /** Let webhooks reach loopback and private addresses (local development only). */
  GANTRY_WEBHOOKS_ALLOW_PRIVATE: z
    .enum(["0", "1", "true", "false"])
    .default("0")
    .transform((v) => v === "1" || v === "true"),
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
