import { z } from "zod";
import { HardwareSku } from "./hardware.ts";
import { AccountId, Slug, VersionId } from "./ids.ts";
import { ScalingKnobs, ScalingPatch } from "./scaling.ts";
import { Timestamp } from "./time.ts";

export const MinInstances = z.number().int().min(0).max(5);
export const MaxInstances = z.number().int().min(0).max(20);

/** What one release of a deployment did during a canary: finished predictions, failures, predict time. */
export const ArmStats = z.object({
  predictions: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** Σ predict time of the predictions that succeeded, in milliseconds. */
  predict_ms: z.number().int().nonnegative(),
});
export type ArmStats = z.infer<typeof ArmStats>;

/** A canary's share of traffic and the bounds the owner sets for promoting it by itself. */
export const CanaryBounds = z.strictObject({
  /** Percent of the deployment's predictions sent to the new version. */
  percent: z.number().int().min(1).max(99),
  /** Predictions the new version must finish (succeed or fail) before it is judged. */
  min_predictions: z.number().int().min(1).max(100_000).default(20),
  /** Its failure rate may exceed the current version's by at most this much (0.05 = 5 points). */
  max_failure_rate_increase: z.number().min(0).max(1).default(0.05),
  /** Its mean predict time may be at most this many times the current version's. */
  max_latency_ratio: z.number().min(1).max(100).default(1.5),
});
export type CanaryBounds = z.infer<typeof CanaryBounds>;

/** A running canary release: the new version, its bounds, and both releases' figures since it began. */
export const Canary = CanaryBounds.extend({
  version: VersionId,
  release: z.number().int().positive(),
  started_at: Timestamp,
  stable: ArmStats,
  canary: ArmStats,
});
export type Canary = z.infer<typeof Canary>;

/** How the last canary ended, kept on the deployment. */
export const CanaryOutcome = z.object({
  version: VersionId,
  result: z.enum(["promoted", "rolled_back", "canceled"]),
  reason: z.string(),
  at: Timestamp,
  stable: ArmStats,
  canary: ArmStats,
});
export type CanaryOutcome = z.infer<typeof CanaryOutcome>;

/** A deployment as stored, keyed `<owner>/<name>` in the `deployments` bucket. */
export const DeploymentRecord = z.object({
  owner: Slug,
  name: Slug,
  account_id: AccountId,
  model: z.string(),
  version: VersionId,
  hardware: HardwareSku,
  min_instances: MinInstances,
  max_instances: MaxInstances,
  /** Every update is a new release. */
  release: z.number().int().positive(),
  release_created_at: Timestamp,
  created_at: Timestamp,
  /** A new version taking a share of the traffic until it is promoted or rolled back (Gantry). */
  canary: Canary.nullable().optional(),
  last_canary: CanaryOutcome.nullable().optional(),
  /** Scaling knobs set on the deployment (Gantry); absent ones fall back to the model's, then the platform's. */
  scaling: ScalingKnobs.optional(),
});
export type DeploymentRecord = z.infer<typeof DeploymentRecord>;

/** `POST /v1/deployments` (reference §8.3): every field required. */
export const CreateDeploymentBody = z.strictObject({
  name: Slug,
  model: z.string().regex(/^[^/\s]+\/[^/\s]+$/, "must be owner/name"),
  version: VersionId,
  hardware: HardwareSku,
  min_instances: MinInstances,
  max_instances: MaxInstances,
  /** Gantry extension (optional): scaling knobs; see docs/capacity.md. */
  scaling: ScalingKnobs.optional(),
});
export type CreateDeploymentBody = z.infer<typeof CreateDeploymentBody>;

/** `PATCH /v1/deployments/{owner}/{name}`: any of these. */
export const UpdateDeploymentBody = z.strictObject({
  version: VersionId.optional(),
  hardware: HardwareSku.optional(),
  min_instances: MinInstances.optional(),
  max_instances: MaxInstances.optional(),
  /**
   * Gantry extension: send `percent` of the traffic to `version` and let the platform promote or
   * roll it back within the bounds; `null` cancels a running canary.
   */
  canary: CanaryBounds.extend({ version: VersionId }).nullable().optional(),
  /** Gantry extension: change scaling knobs (a field set to null goes back to its default). */
  scaling: ScalingPatch.optional(),
});
export type UpdateDeploymentBody = z.infer<typeof UpdateDeploymentBody>;

/** The deployment object the API shows. */
export const Deployment = z.object({
  owner: z.string(),
  name: z.string(),
  current_release: z.object({
    number: z.number().int(),
    model: z.string(),
    version: z.string(),
    created_at: Timestamp,
    created_by: z.object({
      type: z.enum(["user", "organization"]),
      username: z.string(),
      name: z.string(),
      avatar_url: z.string().nullable(),
      github_url: z.string().nullable(),
    }),
    configuration: z.object({
      hardware: z.string(),
      min_instances: z.number().int(),
      max_instances: z.number().int(),
      /** Gantry extension: the knobs set on the deployment (absent ones use the model's or the platform's defaults). */
      scaling: ScalingKnobs.optional(),
    }),
  }),
  /** Gantry extensions, shown when there is one: the running canary and how the last one ended. */
  canary: Canary.optional(),
  last_canary: CanaryOutcome.optional(),
});
export type Deployment = z.infer<typeof Deployment>;
