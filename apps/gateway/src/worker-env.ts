import { z } from "zod";

const flag = z
  .enum(["0", "1", "true", "false"])
  .default("0")
  .transform((v) => v === "1" || v === "true");

/** The Worker's `vars` (wrangler.jsonc), validated: the workerd twin of env.ts. */
export const WorkerVars = z.object({
  /**
   * The NATS servers' WebSocket URLs, comma-separated: on a cluster, list every node, so the
   * connection moves to another when its node goes away.
   */
  NATS_WS_URL: z
    .string()
    .transform((v) => v.split(",").map((u) => u.trim()))
    .pipe(z.array(z.url({ protocol: /^wss?$/ })).min(1)),
  /** The gateway's NATS nkey seed: a secret (`wrangler secret put NATS_NKEY_SEED`), never a committed var. */
  NATS_NKEY_SEED: z.string().min(1).optional(),
  GANTRY_PUBLIC_URL: z
    .string()
    .optional()
    .transform((v) => (v ? v : undefined)),
  GANTRY_RATE_LIMIT_CREATE: z.coerce.number().int().min(0).default(600),
  GANTRY_RATE_LIMIT_OTHER: z.coerce.number().int().min(0).default(3000),
  GANTRY_RETENTION_MS: z.coerce.number().int().positive().default(3_600_000),
  GANTRY_NATS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  GANTRY_WEBHOOKS_ALLOW_PRIVATE: flag,
  GANTRY_SIGNING_SECRET: z.string().min(16).optional(),
});
export type WorkerVars = z.infer<typeof WorkerVars>;
