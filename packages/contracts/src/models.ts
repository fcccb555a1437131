import { z } from "zod";
import { HardwareSku } from "./hardware.ts";
import { AccountId, Slug, VersionId } from "./ids.ts";
import { ScalingKnobs } from "./scaling.ts";
import { Timestamp } from "./time.ts";

/**
 * What every runtime may add: the server's mode (Cog's `--x-mode`; `train` servers take
 * `/trainings`) and, for versions made by a training, the weights it starts with (an object-store
 * name: the agent fetches them and passes their path as `COG_WEIGHTS`). Absent: predict, none.
 */
const RuntimeOptions = {
  mode: z.enum(["predict", "train"]).optional(),
  weights: z.string().min(1).optional(),
};

/** How an agent gets a Cog-protocol server for a version. */
export const ModelRuntime = z.discriminatedUnion("kind", [
  /** A local command; the agent sets `PORT` and runs it from its models directory. */
  z.object({ kind: z.literal("command"), argv: z.array(z.string()).min(1), ...RuntimeOptions }),
  /** A Cog image, started with `docker run` on hosts that have Docker. */
  z.object({ kind: z.literal("image"), image: z.string().min(1), ...RuntimeOptions }),
  /** A server that is already running. */
  z.object({ kind: z.literal("url"), url: z.url(), ...RuntimeOptions }),
]);
export type ModelRuntime = z.infer<typeof ModelRuntime>;

export const Visibility = z.enum(["public", "private"]);

/**
 * What a model's predictions are billed by, when not by the second of hardware (the default):
 * per output token (tokens the model reports with Cog's `record_metric` `output_token_count`, or
 * else its output items), per prediction that succeeded, or per output file. Integer nano-dollars
 * per unit; a token price may charge input tokens too. Set by an operator.
 */
export const PricingUnit = z.enum(["output_token", "prediction", "output_file"]);
export type PricingUnit = z.infer<typeof PricingUnit>;
export const ModelPrice = z.object({
  unit: PricingUnit,
  nano_per_unit: z.number().int().nonnegative().max(1e15),
  /** With `output_token`: the price of each input token (`input_token_count`), if any. */
  input_nano_per_unit: z.number().int().nonnegative().max(1e15).optional(),
});
export type ModelPrice = z.infer<typeof ModelPrice>;

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
  /** Added after the first records were written: absent means none. */
  weights_url: z.string().nullable().optional(),
  /** Markdown served by `GET /v1/models/{owner}/{name}/readme`. */
  readme: z.string().nullable().optional(),
  latest_version_id: VersionId.nullable(),
  run_count: z.number().int().nonnegative(),
  created_at: Timestamp,
  /** Billed per output rather than per second of hardware; absent or null: per second. */
  price: ModelPrice.nullable().optional(),
  /** Scaling defaults for the model's instances and deployments (Gantry; set by an operator); absent: the platform's. */
  scaling: ScalingKnobs.nullable().optional(),
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
  /**
   * Set on the hidden record that trains this version (its server in train mode, its schemas
   * `TrainingInput`/`TrainingOutput`): trainings are placed and run on it like predictions.
   */
  trainer_of: VersionId.optional(),
});
export type VersionRecord = z.infer<typeof VersionRecord>;

/** A name a new model may take: a slug whose dots never end it or come in pairs (it is part of a KV key). */
export const ModelName = Slug.regex(
  /^[a-z0-9](?:[a-z0-9_-]|\.(?=[a-z0-9_-]))*$/,
  "a dot must be followed by a letter, digit, '_' or '-'",
);

/** Public links of a model: http(s) URLs only, since clients render them as links. */
const Link = z.url({ protocol: /^https?$/, error: "must be an http or https URL" }).max(2048);

/** `POST /v1/models` (reference §8.1). */
export const CreateModelBody = z.strictObject({
  owner: z.string(),
  name: ModelName,
  visibility: Visibility,
  hardware: z.string(),
  description: z.string().max(5000).nullable().optional(),
  github_url: Link.nullable().optional(),
  paper_url: Link.nullable().optional(),
  license_url: Link.nullable().optional(),
  cover_image_url: Link.nullable().optional(),
});
export type CreateModelBody = z.infer<typeof CreateModelBody>;

/** `PATCH /v1/models/{owner}/{name}`: any of these; `null` clears one. */
export const UpdateModelBody = z.strictObject({
  description: z.string().max(5000).nullable().optional(),
  /** Kept well under NATS's 1 MB message limit, with the rest of the model record. */
  readme: z
    .string()
    .max(256 * 1024)
    .nullable()
    .optional(),
  github_url: Link.nullable().optional(),
  paper_url: Link.nullable().optional(),
  weights_url: Link.nullable().optional(),
  license_url: Link.nullable().optional(),
  cover_image_url: Link.nullable().optional(),
});
export type UpdateModelBody = z.infer<typeof UpdateModelBody>;

/**
 * `POST /v1/models/{owner}/{name}/versions` (Gantry extension): exactly one of `url` (a running
 * Cog server), `command` (argv run from the platform's root with `PORT` set) or `image` (Docker).
 */
export const CreateVersionBody = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: "must be an http or https URL" }).optional(),
  command: z.array(z.string().min(1)).min(1).max(256).optional(),
  image: z.string().min(1).max(512).optional(),
  concurrency: z.number().int().min(1).max(10_000).default(1),
});
export type CreateVersionBody = z.infer<typeof CreateVersionBody>;

/** The public version object (reference §8.2). */
export const Version = z.object({
  id: VersionId,
  created_at: Timestamp,
  cog_version: z.string().nullable(),
  openapi_schema: OpenApiSchema.nullable(),
});
export type Version = z.infer<typeof Version>;

/** The public model object (reference §8.1). */
export const Model = z.object({
  url: z.string(),
  owner: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  visibility: Visibility,
  github_url: z.string().nullable(),
  paper_url: z.string().nullable(),
  license_url: z.string().nullable(),
  cover_image_url: z.string().nullable(),
  weights_url: z.string().nullable(),
  run_count: z.number().int().nonnegative(),
  is_official: z.boolean(),
  default_example: z.null(),
  latest_version: Version.nullable(),
  created_at: Timestamp,
});
export type Model = z.infer<typeof Model>;

const page = <T extends z.ZodType>(item: T) =>
  z.object({ next: z.string().nullable(), previous: z.string().nullable(), results: z.array(item) });

export const ModelPage = page(Model);
export type ModelPage = z.infer<typeof ModelPage>;
export const VersionPage = page(Version);
export type VersionPage = z.infer<typeof VersionPage>;
