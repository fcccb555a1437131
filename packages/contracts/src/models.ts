import { z } from "zod";
import { HardwareSku } from "./hardware.ts";
import { AccountId, Slug, VersionId } from "./ids.ts";
import { Timestamp } from "./time.ts";

/** How an agent gets a Cog-protocol server for a version. */
export const ModelRuntime = z.discriminatedUnion("kind", [
  /** A local command; the agent sets `PORT` and runs it from its models directory. */
  z.object({ kind: z.literal("command"), argv: z.array(z.string()).min(1) }),
  /** A Cog image, started with `docker run` on hosts that have Docker. */
  z.object({ kind: z.literal("image"), image: z.string().min(1) }),
  /** A server that is already running. */
  z.object({ kind: z.literal("url"), url: z.url() }),
]);
export type ModelRuntime = z.infer<typeof ModelRuntime>;

export const Visibility = z.enum(["public", "private"]);

export const ModelRecord = z.object({
  owner: Slug,
  name: Slug,
  account_id: AccountId,
  visibility: Visibility,
  hardware: HardwareSku,
  description: z.string().nullable(),
  github_url: z.string().nullable(),
  paper_url: z.string().nullable(),
  license_url: z.string().nullable(),
  cover_image_url: z.string().nullable(),
  latest_version_id: VersionId.nullable(),
  run_count: z.number().int().nonnegative(),
  created_at: Timestamp,
});
export type ModelRecord = z.infer<typeof ModelRecord>;

/** OpenAPI documents are model-defined; we read a few well-known paths out of them. */
export const OpenApiSchema = z.record(z.string(), z.unknown());
export type OpenApiSchema = z.infer<typeof OpenApiSchema>;

export const VersionRecord = z.object({
  id: VersionId,
  model: z.string(),
  account_id: AccountId,
  cog_version: z.string().nullable(),
  openapi_schema: OpenApiSchema,
  runtime: ModelRuntime,
  /** Predictions one instance runs at once (Cog's `concurrency.max`). */
  concurrency: z.number().int().positive(),
  created_at: Timestamp,
});
export type VersionRecord = z.infer<typeof VersionRecord>;
