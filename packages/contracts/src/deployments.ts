import { z } from "zod";
import { HardwareSku } from "./hardware.ts";
import { AccountId, Slug, VersionId } from "./ids.ts";
import { Timestamp } from "./time.ts";

export const MinInstances = z.number().int().min(0).max(5);
export const MaxInstances = z.number().int().min(0).max(20);

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
});
export type CreateDeploymentBody = z.infer<typeof CreateDeploymentBody>;

/** `PATCH /v1/deployments/{owner}/{name}`: any of these. */
export const UpdateDeploymentBody = z.strictObject({
  version: VersionId.optional(),
  hardware: HardwareSku.optional(),
  min_instances: MinInstances.optional(),
  max_instances: MaxInstances.optional(),
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
    }),
  }),
});
export type Deployment = z.infer<typeof Deployment>;
