import { z } from "zod";

/** The only reader of `process.env` in the admin server. */
const Env = z.object({
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  GANTRY_ADMIN_PORT: z.coerce.number().int().min(0).max(65535).default(8790),
  GANTRY_ADMIN_HOST: z.string().default("127.0.0.1"),
  /** Bearer token of the admin console; generated and printed at start when unset. */
  GANTRY_ADMIN_TOKEN: z.string().min(16).optional(),
  /** Origin of the public gateway API, which the playground and dashboard call. */
  GANTRY_API_URL: z.url().default("http://127.0.0.1:8787"),
  /** The built web UI (`vite build`); defaults to `apps/admin/dist`. */
  GANTRY_ADMIN_WEB_DIR: z.string().optional(),
  /** An agent whose heartbeat is older than this shows as stale. */
  GANTRY_AGENT_STALE_MS: z.coerce.number().int().positive().default(5000),
  GANTRY_NATS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  GANTRY_RETENTION_MS: z.coerce.number().int().positive().default(3_600_000),
});

export const env = Env.parse(process.env);
