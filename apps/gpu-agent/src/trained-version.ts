import type { TrainingTarget } from "@gantry/contracts/jobs";
import type { Logger } from "@gantry/platform/logger";
import type { Registry } from "@gantry/platform/registry";
import type { Buckets } from "@gantry/platform/topology";
import { trainedVersionId, weightsObjectName } from "@gantry/platform/trainer";
import { parseDataUrl } from "./core/data-url.ts";
import type { UploadSource } from "./output-files.ts";
import type { TrainingHooks } from "./run-tracker.ts";

export interface TrainedVersionDeps {
  registry: Registry;
  objects: Buckets["objects"];
  now: () => Date;
  log: Logger;
  /** Where the trainer's server uploaded its files (Cog's `--upload-url`); none: data URLs only. */
  uploads?: UploadSource;
}

/**
 * Stores the trainer's `weights` output under `object`: a file, which a Cog server returns as a
 * URL of the agent's upload endpoint (its bytes are in the object store already: copied as a
 * stream, and left for the output's own file) or as a `data:` URL. Other URLs are refused rather
 * than fetched: a model server's answer must not make the agent reach into its own network.
 */
async function storeWeights(d: TrainedVersionDeps, trainingId: string, weights: unknown, object: string) {
  if (typeof weights !== "string") throw new Error("the trainer's output has no `weights` file");
  const upload = d.uploads?.uploads.peek(weights, d.uploads.instanceId, trainingId);
  if (upload) {
    const source = await d.objects.get(upload.id);
    if (!source) throw new Error("the uploaded weights are no longer stored");
    await d.objects.put({ name: object }, source.data);
    if (!(await source.error)) return;
    await d.objects.delete(object).catch(() => undefined);
    throw new Error("the uploaded weights could not be read back");
  }
  const file = parseDataUrl(weights);
  if (!file) {
    const got = weights.length > 80 ? `${weights.slice(0, 80)}…` : weights;
    throw new Error(
      `the trainer's \`weights\` must be a file it uploaded (or a data: URL), not ${JSON.stringify(got)}`,
    );
  }
  await d.objects.putBlob({ name: object }, file.bytes);
}

/**
 * The version a training makes (reference §8.4), in two steps around the training's own terminal
 * write. `prepare`: its weights kept in the object store for as long as the version, and a version
 * of `destination` that runs the base version's server from them; resolves to the training's
 * output, `{version: "owner/name:id", weights}`. `publish`, once the training is stored as
 * succeeded: the destination's latest version moves to it. `discard`, when the training did not
 * end succeeded after all (a cancel came first, its output could not be stored): the version and
 * its weights are removed. A training makes one version id
 * whatever the retries.
 */
export function trainedVersion(
  d: TrainedVersionDeps,
  trainingId: string,
  accountId: string,
  target: TrainingTarget,
): TrainingHooks {
  const id = trainedVersionId(trainingId);
  const object = weightsObjectName(id);
  const [owner = "", name = ""] = target.destination.split("/");
  return {
    async prepare(output) {
      const weights = (output && typeof output === "object" ? (output as Record<string, unknown>) : {}).weights;
      if (typeof weights !== "string") throw new Error("the trainer's output has no `weights` file");
      const base = await d.registry.getVersion(target.base_version_id);
      if (!base) throw new Error("the version it trained no longer exists");
      if (base.runtime.kind === "url") throw new Error("a version served from a URL cannot start from weights");
      if (!(await d.registry.getModel(owner, name))) {
        throw new Error(`the destination ${target.destination} no longer exists`);
      }
      await storeWeights(d, trainingId, weights, object);
      const existing = await d.registry.getVersion(id);
      await d.registry.putVersion({
        id,
        model: target.destination,
        account_id: accountId,
        cog_version: base.cog_version,
        openapi_schema: base.openapi_schema,
        runtime: { ...base.runtime, weights: object },
        concurrency: base.concurrency,
        created_at: existing?.created_at ?? d.now().toISOString(),
      });
      return { version: `${target.destination}:${id}`, weights };
    },
    async publish() {
      await d.registry.updateModel(owner, name, (m) =>
        m.latest_version_id === id ? null : { ...m, latest_version_id: id },
      );
      d.log.info("trained version created", { training: trainingId, version: id, destination: target.destination });
    },
    async discard() {
      // The version's weights go with it (the registry deletes them).
      await d.registry.deleteVersion(id);
    },
  };
}
