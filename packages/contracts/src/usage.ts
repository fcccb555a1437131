import { z } from "zod";
import { HardwareSku } from "./hardware.ts";
import { AccountId, AgentId, PredictionId, VersionId } from "./ids.ts";
import { ModelPrice } from "./models.ts";
import { Timestamp } from "./time.ts";

/**
 * How the instance that produced a usage event is billed (reference §10):
 * - `predict`: public models; only predict time is billed, setup and idle time are free.
 * - `uptime`: deployments and private models; the instance's whole up time (setup, idle, active)
 *   is billed, so the predictions that ran on it cost nothing more.
 */
export const BillingMode = z.enum(["predict", "uptime"]);
export type BillingMode = z.infer<typeof BillingMode>;

/** Deployment names as usage carries them: `<owner>/<name>`. */
export const DeploymentName = z.string().regex(/^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/, "not owner/name");

/** What a prediction produced, counted by its agent: the units of per-output prices. */
export const OutputUnits = z.object({
  /** The model's own count (`record_metric` `output_token_count`), else its output items. */
  output_tokens: z.number().int().nonnegative(),
  /** The model's `input_token_count`, when it reports one. */
  input_tokens: z.number().int().nonnegative().optional(),
  output_files: z.number().int().nonnegative(),
});
export type OutputUnits = z.infer<typeof OutputUnits>;

/** Predict time of one prediction, reported once by the agent that ran it (`msgID` `predict:<id>`). */
export const PredictUsage = z.object({
  kind: z.literal("predict"),
  prediction_id: PredictionId,
  account_id: AccountId,
  model: z.string(),
  version_id: VersionId,
  agent_id: AgentId,
  hardware: HardwareSku,
  /** Milliseconds of predict time. */
  predict_ms: z.number().int().nonnegative(),
  /** When the prediction ended; its predict time is the span `[at − predict_ms, at]`. */
  at: Timestamp,
  /** How the instance it ran on is billed; absent (older agents) means `predict`. */
  billing: BillingMode.optional(),
  /** The deployment it ran through, if any. */
  deployment: DeploymentName.nullable().optional(),
  /** How it ended: a per-prediction price charges only what succeeded. Absent (older agents): unknown. */
  status: z.enum(["succeeded", "failed", "canceled"]).optional(),
  /** The model's per-output price the prediction was created under; absent: per second of hardware. */
  price: ModelPrice.optional(),
  /** What it produced, for per-output prices (absent: nothing counted). */
  units: OutputUnits.optional(),
});
export type PredictUsage = z.infer<typeof PredictUsage>;

/** Instance ids as agents name them; used in message ids, so no dots or spaces. */
export const InstanceId = z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/, "not an instance id");

/**
 * Up time of one model instance over one reporting interval `[from, to)`, reported by its agent on
 * `usage.v1.uptime.<agent_id>` with `msgID` {@link uptimeMsgId}: a re-sent interval is dropped by
 * the stream, so a crash of the agent loses at most the interval it was in.
 */
export const UptimeUsage = z
  .object({
    kind: z.literal("uptime"),
    agent_id: AgentId,
    instance_id: InstanceId,
    /** 0 for the interval that starts with the instance's boot, then 1, 2, … */
    interval: z.number().int().nonnegative(),
    account_id: AccountId,
    model: z.string(),
    version_id: VersionId,
    hardware: HardwareSku,
    from: Timestamp,
    to: Timestamp,
    /** Absent means `uptime`; `predict` (a public model's instance) is metered but not billed. */
    billing: BillingMode.optional(),
    deployment: DeploymentName.nullable().optional(),
  })
  .refine((u) => Date.parse(u.to) >= Date.parse(u.from), { message: "to is before from", path: ["to"] });
export type UptimeUsage = z.infer<typeof UptimeUsage>;

/** Anything on the `USAGE` stream. */
export const UsageEvent = z.discriminatedUnion("kind", [PredictUsage, UptimeUsage]);
export type UsageEvent = z.infer<typeof UsageEvent>;

/** The de-duplication id of a usage event: publish with `{ msgID: usageMsgId(event) }`. */
export function usageMsgId(u: UsageEvent): string {
  return u.kind === "predict" ? `predict:${u.prediction_id}` : `uptime:${u.instance_id}:${u.interval}`;
}
