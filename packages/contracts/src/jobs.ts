import { z } from "zod";
import { HardwareSku } from "./hardware.ts";
import { AccountId, PredictionId, VersionId } from "./ids.ts";
import { ModelPrice, ModelRuntime } from "./models.ts";
import { PredictionInput } from "./prediction.ts";
import { Timestamp } from "./time.ts";
import { BillingMode, DeploymentName } from "./usage.ts";

/**
 * On a training's work: the version it trains and the model its result becomes a version of.
 * (`version_id` is then the hidden trainer version, whose server runs in train mode.)
 */
export const TrainingTarget = z.object({
  base_version_id: VersionId,
  destination: z.string().regex(/^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/),
});
export type TrainingTarget = z.infer<typeof TrainingTarget>;

/**
 * Whose instance a prediction runs on. Predictions through a deployment run only on that
 * deployment's instances (its own capacity, its `max_instances`); the rest share the version's.
 * `billing` says how those instances are billed (public: predict time; deployments and private
 * models: up time). Absent in messages from older senders: shared, `predict`.
 */
const Tenancy = {
  deployment: DeploymentName.nullable().optional(),
  billing: BillingMode.optional(),
};

/**
 * The message on the work queue: everything needed to place and run the prediction, so that
 * placing it needs no read of the stored record (a canceled one is caught when it starts).
 */
/**
 * A W3C trace context (`traceparent`: version-trace id-parent id-flags). A malformed one is
 * dropped rather than costing the prediction.
 */
export const TraceParent = z
  .string()
  .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)
  .optional()
  .catch(undefined);

export const WorkItem = z.object({
  prediction_id: PredictionId,
  account_id: AccountId,
  model: z.string(),
  version_id: VersionId,
  hardware: HardwareSku,
  streams: z.boolean(),
  input: PredictionInput,
  deadline: Timestamp.nullable(),
  enqueued_at: Timestamp,
  training: TrainingTarget.optional(),
  /**
   * How many times a platform failure (its agent died before any output) sent it back to the
   * queue: the failure contract runs it again once. Absent: never.
   */
  attempt: z.number().int().min(0).max(10).optional(),
  /** The model's per-output price when the prediction was created (absent: per second). */
  price: ModelPrice.optional(),
  /** The create's `traceparent`, carried to the agent and the model server: one prediction, one trace. */
  traceparent: TraceParent,
  ...Tenancy,
});
export type WorkItem = z.infer<typeof WorkItem>;

/** Scheduler → agent: run this prediction on an instance of this version. */
export const RunRequest = z.object({
  prediction_id: PredictionId,
  account_id: AccountId,
  model: z.string(),
  version_id: VersionId,
  hardware: HardwareSku,
  /** Whether output is an iterator whose items are published as they come. */
  streams: z.boolean(),
  runtime: ModelRuntime,
  concurrency: z.number().int().positive(),
  input: PredictionInput,
  /** Run timeout the agent enforces, in milliseconds. */
  timeout_ms: z.number().int().positive(),
  /** `Cancel-After` deadline: reached while running, the prediction is canceled. */
  deadline: Timestamp.nullable(),
  training: TrainingTarget.optional(),
  /**
   * Whether the agent may start a server for it. A warm offer (`false`: the scheduler counted on
   * a free slot of a running instance) is refused when there is none, rather than booting an
   * instance the scheduler did not plan, which could pass a deployment's `max_instances`. Absent: may.
   */
  boot: z.boolean().optional(),
  /**
   * Only a ready instance's free slot will do (unbound boots, `GANTRY_SCALE_UNBOUND`): a booting
   * instance's slots are no one's until it is ready, so a warm offer whose ready slot was taken
   * meanwhile is refused, and the prediction waits in its queue for whichever slot frees first,
   * rather than waiting here for that boot. Absent: a booting instance's free slot will do too.
   */
  ready_only: z.boolean().optional(),
  /** The model's per-output price, reported back with the usage (absent: per second). */
  price: ModelPrice.optional(),
  /**
   * The W3C trace context of the create (`traceparent`), passed to the model server, which
   * forwards it on its webhooks (cog-http-protocol.md §1.3). Absent: none. A malformed one is
   * dropped rather than costing the run.
   */
  traceparent: TraceParent,
  ...Tenancy,
});
export type RunRequest = z.infer<typeof RunRequest>;

export const RunReply = z.discriminatedUnion("accepted", [
  z.object({
    accepted: z.literal(true),
    cold_boot: z.boolean(),
    /** The accepting agent process's `started_at` (its heartbeats carry it too): what it runs dies with it. */
    incarnation: z.string().optional(),
  }),
  z.object({ accepted: z.literal(false), reason: z.string() }),
]);
export type RunReply = z.infer<typeof RunReply>;

/**
 * Where a prediction runs, in the `placements` bucket (key `<agent>.<prediction>`): its work item
 * and the agent process that took it. A restarted agent's placements are those of another
 * incarnation, found by comparing strings, not clocks. Absent (older writers, redeliveries): the
 * placement's time is compared with the process start.
 */
export const Placement = WorkItem.extend({ incarnation: z.string().optional() });
export type Placement = z.infer<typeof Placement>;

/** → schedulers: this queued prediction was canceled before placement (`subjects.withdrawn`). */
export const Withdrawn = z.object({ prediction_id: PredictionId });
export type Withdrawn = z.infer<typeof Withdrawn>;

/** → agent: stop this prediction on its model server. */
export const CancelRequest = z.object({ prediction_id: PredictionId });
export type CancelRequest = z.infer<typeof CancelRequest>;

export const CancelReply = z.object({ found: z.boolean() });
export type CancelReply = z.infer<typeof CancelReply>;

/** → any agent (queue group): start this runtime, read its schema, stop it. */
export const ProbeRequest = z.object({ runtime: ModelRuntime });
export type ProbeRequest = z.infer<typeof ProbeRequest>;

export const ProbeReply = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), openapi: z.unknown(), cog_version: z.string().nullable() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type ProbeReply = z.infer<typeof ProbeReply>;

/**
 * Scheduler → agent: keep at least `count` instances of this version booted and warm, leased for
 * `lease_ms` (the scheduler renews the lease while the deployment wants them; an expired lease
 * lets the agent stop them once idle).
 */
export const WarmRequest = z.object({
  version_id: VersionId,
  runtime: ModelRuntime,
  concurrency: z.number().int().positive(),
  count: z.number().int().min(0).max(64),
  lease_ms: z.number().int().positive(),
  /** The account billed for the instances' up time (the deployment's owner). */
  account_id: AccountId.optional(),
  model: z.string().optional(),
  ...Tenancy,
});
export type WarmRequest = z.infer<typeof WarmRequest>;

export const WarmReply = z.object({ instances: z.number().int().nonnegative() });
export type WarmReply = z.infer<typeof WarmReply>;

/**
 * Scheduler → agent: stop up to `count` instances of this version (and deployment) that are ready,
 * run nothing, are not leased, and have run nothing for `idle_ms` by the agent's own clock, those
 * idle longest first. The scheduler asks for extras only: another instance of the version serves on.
 */
export const TrimRequest = z.object({
  version_id: VersionId,
  deployment: DeploymentName.nullable(),
  count: z.number().int().min(1).max(64),
  idle_ms: z.number().int().nonnegative(),
});
export type TrimRequest = z.infer<typeof TrimRequest>;

export const TrimReply = z.object({ stopped: z.number().int().nonnegative() });
export type TrimReply = z.infer<typeof TrimReply>;
