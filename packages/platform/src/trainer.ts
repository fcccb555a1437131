import type { VersionRecord } from "@gantry/contracts/models";
import { sha256Hex } from "./ids.ts";

type Schemas = Record<string, Record<string, unknown>>;

const schemasOf = (openapi: Record<string, unknown>): Schemas =>
  (openapi.components as { schemas?: Schemas } | undefined)?.schemas ?? {};

/** The id of the hidden version that trains `versionId`. */
export const trainerVersionId = (versionId: string) => sha256Hex(`trainer:${versionId}`);

/** The id of the version a training creates: the same training always makes the same one. */
export const trainedVersionId = (trainingId: string) => sha256Hex(`trained:${trainingId}`);

/** The object-store name of a trained version's weights (kept as long as the version). */
export const weightsObjectName = (versionId: string) => `weights/${versionId}`;

/** Whether the version's server has a trainer (`TrainingInput` in its schema, reference §4). */
export const isTrainable = (version: VersionRecord) => "TrainingInput" in schemasOf(version.openapi_schema);

/**
 * The hidden version that trains `version`, or null when it is not trainable: the same server
 * started in train mode (Cog's `--x-mode train`), whose `Input`/`Output` are the training's, one
 * training at a time. Trainings are placed, run, canceled and billed on it like predictions.
 * A `url` runtime is a server someone else started, in whatever mode, and that cannot be handed
 * weights: it is not trainable here.
 */
export function trainerOf(version: VersionRecord): VersionRecord | null {
  if (version.trainer_of || version.runtime.kind === "url" || !isTrainable(version)) return null;
  const schemas = schemasOf(version.openapi_schema);
  return {
    id: trainerVersionId(version.id),
    model: version.model,
    account_id: version.account_id,
    cog_version: version.cog_version,
    openapi_schema: {
      ...version.openapi_schema,
      components: {
        schemas: { ...schemas, Input: schemas.TrainingInput ?? {}, Output: schemas.TrainingOutput ?? {} },
      },
    },
    runtime: { ...version.runtime, mode: "train" },
    concurrency: 1,
    created_at: version.created_at,
    trainer_of: version.id,
  };
}
