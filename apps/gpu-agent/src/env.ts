import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { inheritedEnv } from "./core/server-launch.ts";

/** The only reader of `process.env` in the agent. */
const Env = z.object({
  /** NATS server(s) to connect to (`nats://` or, on a cluster with TLS, `tls://`). */
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** This service's NATS nkey seed (`SU…`); without one (or the file below) NATS refuses it. */
  NATS_NKEY_SEED: z.string().min(1).optional(),
  /** A file holding the seed instead (a mounted secret). */
  NATS_NKEY_SEED_FILE: z.string().min(1).optional(),
  /** CA of the NATS servers' certificates, for `tls://` URLs (a cluster: infra/nats/cluster). */
  NATS_TLS_CA_FILE: z.string().min(1).optional(),
  /** This agent's id in heartbeats, placements and usage; the host name when unset. */
  GANTRY_AGENT_ID: z
    .string()
    .regex(/^[a-zA-Z0-9_-]+$/)
    .optional(),
  /** Used when no GPU is detected: `cpu`, or a GPU SKU to emulate (always labelled emulated). */
  GANTRY_AGENT_SKU: z.string().default("cpu"),
  /** Model instances this host holds at once. */
  GANTRY_AGENT_SLOTS: z.coerce.number().int().positive().default(4),
  /** Port of the agent's HTTP listener for model servers (webhooks, uploads, weights); 0 picks a free one. */
  GANTRY_AGENT_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** Working directory of `command` model servers. */
  GANTRY_MODELS_DIR: z.string().default(process.cwd()),
  /** Where the agent records the model servers it runs, to stop them after a crash of the agent. */
  GANTRY_AGENT_STATE_DIR: z.string().default(join(tmpdir(), "gantry-agent")),
  /**
   * Stop model servers idle this long (and not kept warm by a deployment). With the scheduler
   * stopping a model's idle extras sooner (`GANTRY_SCALE_EXTRA_IDLE_*`: 1.5 boot times, 1–2 min), this
   * is how long its last instance stays warm: 10 minutes keeps the long tail warm between predictions.
   */
  GANTRY_IDLE_STOP_MS: z.coerce.number().int().positive().default(600_000),
  /** How often instances billed by up time report it (a crash loses at most one interval). */
  GANTRY_UPTIME_INTERVAL_MS: z.coerce.number().int().positive().default(60_000),
  /** How often the agent writes its heartbeat (capacity, instances, running predictions). */
  GANTRY_HEARTBEAT_MS: z.coerce.number().int().positive().default(1000),
  /** How long a model server's setup may take before its boot fails. */
  GANTRY_SETUP_TIMEOUT_MS: z.coerce.number().int().positive().default(300_000),
  /**
   * How long a server started to read its schema (a new version) may take to serve /openapi.json;
   * under the gateway's 120 s wait for the answer. Its setup need not finish.
   */
  GANTRY_PROBE_TIMEOUT_MS: z.coerce.number().int().positive().default(100_000),
  /**
   * A test's crash point: the agent kills itself (SIGKILL) right after a prediction's terminal
   * write, before its usage is reported. Never set in production.
   */
  GANTRY_TEST_CRASH_AFTER_TERMINAL_WRITE: z.enum(["0", "1"]).default("0"),
  /**
   * On SIGTERM or SIGINT, how long the agent keeps running the predictions it holds (taking
   * nothing new) before it stops; a second signal stops it at once. Default: the 30-minute
   * prediction timeout, so a polite stop ends nothing early (give Kubernetes pods as long).
   */
  GANTRY_AGENT_DRAIN_MS: z.coerce.number().int().nonnegative().default(1_800_000),
  /** After a cancel or timeout, how long a model server has to stop before it is killed. */
  GANTRY_CANCEL_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  /** Replicas of every stream and bucket (3 on a cluster); the same in every service. */
  GANTRY_NATS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** How long a finished prediction's input, output, logs and output files are kept; the same in every service. */
  GANTRY_RETENTION_MS: z.coerce.number().int().positive().default(3_600_000),
  /** The API's public origin: output files' download URLs point at it. */
  GANTRY_PUBLIC_URL: z.url().default("http://127.0.0.1:8787"),
  /** The gateways' URL-signing key, when configured there too; otherwise shared through NATS. */
  GANTRY_SIGNING_SECRET: z.string().min(1).optional(),
  /** The host's address on Docker's default bridge, where `image` model servers send webhooks. */
  GANTRY_AGENT_DOCKER_HOST_IP: z.ipv4().default("172.17.0.1"),
  /**
   * Output files (and trained weights) must be smaller than this many bytes: model servers'
   * uploads past it are refused with 413 and fail the prediction (default 5 GiB).
   */
  GANTRY_MAX_OUTPUT_FILE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(5 * 1024 ** 3),
  /**
   * Names of more agent variables `command` model servers inherit (comma-separated, e.g.
   * `HF_HOME,TORCH_HOME`), beyond PATH, locale, LD_LIBRARY_PATH, CUDA_* and NVIDIA_*. NATS_* and
   * GANTRY_* are never passed on.
   */
  GANTRY_MODEL_ENV: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  /** Port of this process's Prometheus `/metrics` (its own port, never the API's); unset: none. */
  GANTRY_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Address `/metrics` listens on: loopback unless a scraper elsewhere needs it. */
  GANTRY_METRICS_HOST: z.string().default("127.0.0.1"),
});

export const env = Env.parse(process.env);
/** What model servers inherit of this process's environment (never NATS or platform secrets). */
export const modelServerEnv = inheritedEnv(process.env, env.GANTRY_MODEL_ENV);
export const defaultAgentId = () =>
  hostname()
    .replace(/[^a-zA-Z0-9_-]/g, "-")
    .slice(0, 48);
