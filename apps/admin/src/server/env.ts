import { z } from "zod";

/** The only reader of `process.env` in the admin server. */
const Env = z.object({
  /** NATS server(s) to connect to (`nats://` or, on a cluster with TLS, `tls://`). */
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** This service's NATS nkey seed (`SU…`); without one (or the file below) NATS refuses it. */
  NATS_NKEY_SEED: z.string().min(1).optional(),
  /** A file holding the seed instead (a mounted secret). */
  NATS_NKEY_SEED_FILE: z.string().min(1).optional(),
  /** CA of the NATS servers' certificates, for `tls://` URLs (a cluster: infra/nats/cluster). */
  NATS_TLS_CA_FILE: z.string().min(1).optional(),
  /** Port of the admin console. */
  GANTRY_ADMIN_PORT: z.coerce.number().int().min(0).max(65535).default(8790),
  /** Address the admin console listens on (loopback by default: put it behind your own access control). */
  GANTRY_ADMIN_HOST: z.string().default("127.0.0.1"),
  /** Bearer token of the admin console; generated and printed at start when unset. */
  GANTRY_ADMIN_TOKEN: z.string().min(16).optional(),
  /** Origin of the public gateway API, which the playground and dashboard call. */
  GANTRY_API_URL: z.url().default("http://127.0.0.1:8787"),
  /** The API's public origin when it is not GANTRY_API_URL: the console's CSP lets pages load outputs and streams from it. */
  GANTRY_PUBLIC_URL: z.url().optional(),
  /** The built web UI (`vite build`); defaults to `apps/admin/dist`. */
  GANTRY_ADMIN_WEB_DIR: z.string().optional(),
  /** An agent whose heartbeat is older than this shows as stale. */
  GANTRY_AGENT_STALE_MS: z.coerce.number().int().positive().default(5000),
  /** Replicas of every stream and bucket (3 on a cluster); the same in every service. */
  GANTRY_NATS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** How long a finished prediction's input, output, logs and output files are kept; the same in every service. */
  GANTRY_RETENTION_MS: z.coerce.number().int().positive().default(3_600_000),
});

export const env = Env.parse(process.env);
