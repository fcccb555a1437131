import { z } from "zod";

/** The only reader of `process.env` in the scheduler. */
const Env = z.object({
  /** NATS server(s) to connect to (`nats://` or, on a cluster with TLS, `tls://`). */
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** This service's NATS nkey seed (`SU…`); without one (or the file below) NATS refuses it. */
  NATS_NKEY_SEED: z.string().min(1).optional(),
  /** A file holding the seed instead (a mounted secret). */
  NATS_NKEY_SEED_FILE: z.string().min(1).optional(),
  /** CA of the NATS servers' certificates, for `tls://` URLs (a cluster: infra/nats/cluster). */
  NATS_TLS_CA_FILE: z.string().min(1).optional(),
  GANTRY_AGENT_STALE_MS: z.coerce.number().int().positive().default(5000),
  /** The 30-minute run timeout. */
  GANTRY_RUN_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(30 * 60 * 1000),
  /** How long a training may run (trainings take longer than predictions): 24 hours. */
  GANTRY_TRAINING_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(24 * 60 * 60 * 1000),
  /** Boot another instance of a busy model once its oldest queued prediction waited this long. */
  GANTRY_SCALE_UP_AFTER_MS: z.coerce.number().int().nonnegative().default(500),
  /**
   * Scale up for the queue, not for one prediction: a busy model's queue boots more instances and
   * stays queued, each prediction taking whichever slot frees first (a busy instance's or a new
   * one's); a model's first boot still takes its prediction, which shows the boot's phases. `0`: a
   * prediction that waited `GANTRY_SCALE_UP_AFTER_MS` boots an instance and waits for it (bound).
   * Unbound is better on both simulated traces (docs/capacity.md, round 7).
   */
  GANTRY_SCALE_UNBOUND: z
    .enum(["0", "1", "true", "false"])
    .default("1")
    .transform((v) => v === "1" || v === "true"),
  /**
   * Extras go early: an instance idle this long is stopped while another instance of its model serves
   * beside it, and a model's last instance keeps the agents' longer window (`GANTRY_IDLE_STOP_MS`).
   * With `GANTRY_SCALE_EXTRA_IDLE_PER_BOOT` this is the longest window, and the window of a model
   * whose boot time is not known yet. `0`: off, every instance keeps the agents' window. Better than
   * off on both simulated traces (docs/capacity.md, round 8).
   */
  GANTRY_SCALE_EXTRA_IDLE_MS: z.coerce.number().int().nonnegative().default(120_000),
  /**
   * Rent or buy: a model's extras go after this many of its boot times, between
   * `GANTRY_SCALE_EXTRA_IDLE_MIN_MS` and `GANTRY_SCALE_EXTRA_IDLE_MS`. `0`: every model's extras keep
   * `GANTRY_SCALE_EXTRA_IDLE_MS` (docs/capacity.md, round 9).
   */
  GANTRY_SCALE_EXTRA_IDLE_PER_BOOT: z.coerce.number().nonnegative().max(100).default(1.5),
  /** The shortest extras window under `GANTRY_SCALE_EXTRA_IDLE_PER_BOOT`. */
  GANTRY_SCALE_EXTRA_IDLE_MIN_MS: z.coerce.number().int().nonnegative().default(60_000),
  /**
   * Drain before boot: a busy model scales up only when the predictions waiting for it would not all
   * have started on its ready instances within this long (at the rate its instances free slots
   * lately), or the oldest waited four times this long. `0`: off, it scales up once the oldest
   * waited `GANTRY_SCALE_UP_AFTER_MS` (docs/capacity.md, round 9).
   */
  GANTRY_SCALE_DRAIN_HORIZON_MS: z.coerce.number().int().nonnegative().default(20_000),
  /** Replace an idle instance with another model's only after it idled this long. */
  GANTRY_EVICT_IDLE_MS: z.coerce.number().int().nonnegative().default(2000),
  /** A model with no instance whose oldest prediction waited this long may replace any idle instance. */
  GANTRY_STARVE_AFTER_MS: z.coerce.number().int().nonnegative().default(5000),
  /** How long the scheduler waits before offering a prediction no agent took again. */
  GANTRY_RETRY_DELAY_MS: z.coerce.number().int().positive().default(50),
  /** Origin of the API, for the URLs inside webhook bodies. */
  GANTRY_PUBLIC_URL: z.url().default("http://127.0.0.1:8787"),
  /** Let webhooks reach loopback and private addresses (local development only). */
  GANTRY_WEBHOOKS_ALLOW_PRIVATE: z
    .enum(["0", "1", "true", "false"])
    .default("0")
    .transform((v) => v === "1" || v === "true"),
  /** How long one webhook delivery may take. */
  GANTRY_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
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
