import { DeploymentRecord, MaxInstances, MinInstances } from "@gantry/contracts/deployments";
import { AppError, NOT_FOUND_DETAIL } from "@gantry/contracts/errors";
import { Slug } from "@gantry/contracts/ids";
import { ModelPrice } from "@gantry/contracts/models";
import { ScalingKnobs } from "@gantry/contracts/scaling";
import { decode, encode } from "@gantry/platform/codec";
import { listKeys } from "@gantry/platform/kv-keys";
import { z } from "zod";
import type { Context } from "../context.ts";
import { adminProcedure, router } from "../trpc.ts";

const MAX_CAS_ATTEMPTS = 20;
const isWrongRevision = (err: unknown) => /wrong last sequence|10071/.test(String(err));

async function listDeployments(ctx: Context): Promise<DeploymentRecord[]> {
  const out: DeploymentRecord[] = [];
  for (const key of await listKeys(ctx.buckets.deployments)) {
    const e = await ctx.buckets.deployments.get(key);
    if (e?.operation !== "PUT") continue;
    try {
      out.push(decode(DeploymentRecord, e.value, "deployment"));
    } catch (err) {
      ctx.log.warn("unreadable deployment", { key, err: String(err) });
    }
  }
  return out.sort((a, b) => `${a.owner}/${a.name}`.localeCompare(`${b.owner}/${b.name}`));
}

export const ScaleInput = z
  .object({
    owner: Slug,
    name: Slug,
    min_instances: MinInstances,
    max_instances: MaxInstances,
    /** The deployment's scaling knobs, replacing those set (`{}`: the model's or platform's defaults). */
    scaling: ScalingKnobs.optional(),
  })
  .refine((s) => s.min_instances <= s.max_instances, {
    message: "min_instances must not be greater than max_instances",
    path: ["min_instances"],
  });

/**
 * Sets a deployment's instance limits as a new release (compare-and-set on the record, retried
 * on conflict); the scheduler acts on the stored record.
 */
async function setScale(ctx: Context, s: z.infer<typeof ScaleInput>): Promise<DeploymentRecord> {
  const key = `${s.owner}/${s.name}`;
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    const e = await ctx.buckets.deployments.get(key);
    if (e?.operation !== "PUT") throw new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
    const current = decode(DeploymentRecord, e.value, "deployment");
    const scaling = s.scaling === undefined ? current.scaling : s.scaling;
    if (
      current.min_instances === s.min_instances &&
      current.max_instances === s.max_instances &&
      JSON.stringify(current.scaling ?? {}) === JSON.stringify(scaling ?? {})
    )
      return current;
    const { scaling: _old, ...rest } = current;
    const next: DeploymentRecord = {
      ...rest,
      ...(scaling && Object.keys(scaling).length > 0 ? { scaling } : {}),
      min_instances: s.min_instances,
      max_instances: s.max_instances,
      release: current.release + 1,
      release_created_at: ctx.now().toISOString(),
    };
    try {
      await ctx.buckets.deployments.update(key, encode(next), e.revision);
      return next;
    } catch (err) {
      if (!isWrongRevision(err)) throw err;
    }
  }
  throw new AppError("CONFLICT", `deployment ${key}: too many concurrent writers; try again`);
}

export const PriceInput = z.object({ owner: Slug, name: Slug, price: ModelPrice.nullable() });

/**
 * Prices a model per output (or, with `null`, per second of hardware again). Predictions created
 * from now on are billed at it; those already created keep the price they were created under.
 */
async function setPrice(ctx: Context, p: z.infer<typeof PriceInput>) {
  const price = p.price;
  const stored = await ctx.registry.updateModel(p.owner, p.name, (m) =>
    JSON.stringify(m.price ?? null) === JSON.stringify(price) ? null : { ...m, price },
  );
  if (!stored) throw new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
  ctx.log.info("model price set", { model: `${p.owner}/${p.name}`, price });
  return { owner: stored.owner, name: stored.name, price: stored.price ?? null };
}

export const ScalingInput = z.object({ owner: Slug, name: Slug, scaling: ScalingKnobs.nullable() });

/**
 * Sets a model's scaling defaults (`null`: the platform's): the knobs its deployments use where
 * they set none. The scheduler reads them at each keeper tick.
 */
async function setScaling(ctx: Context, p: z.infer<typeof ScalingInput>) {
  const scaling = p.scaling && Object.keys(p.scaling).length > 0 ? p.scaling : null;
  const stored = await ctx.registry.updateModel(p.owner, p.name, (m) =>
    JSON.stringify(m.scaling ?? null) === JSON.stringify(scaling) ? null : { ...m, scaling },
  );
  if (!stored) throw new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
  ctx.log.info("model scaling set", { model: `${p.owner}/${p.name}`, scaling });
  return { owner: stored.owner, name: stored.name, scaling: stored.scaling ?? null };
}

export const modelsRouter = router({
  /** Every model with its latest version and how many versions it has. */
  list: adminProcedure.query(async ({ ctx }) => {
    const models = await ctx.registry.listModels();
    return Promise.all(
      models
        .sort((a, b) => `${a.owner}/${a.name}`.localeCompare(`${b.owner}/${b.name}`))
        .map(async (m) => {
          const versions = await ctx.registry.listVersions(m.owner, m.name);
          return {
            owner: m.owner,
            name: m.name,
            visibility: m.visibility,
            hardware: m.hardware,
            description: m.description,
            run_count: m.run_count,
            latest_version_id: m.latest_version_id,
            price: m.price ?? null,
            scaling: m.scaling ?? null,
            versions: versions
              .map((v) => ({ id: v.id, created_at: v.created_at, concurrency: v.concurrency, runtime: v.runtime.kind }))
              .sort((a, b) => b.created_at.localeCompare(a.created_at)),
            created_at: m.created_at,
          };
        }),
    );
  }),
  /** Sets a model's per-output price (`null`: billed per second of hardware). */
  setPrice: adminProcedure.input(PriceInput).mutation(({ ctx, input }) => setPrice(ctx, input)),
  /** Sets a model's scaling defaults (`null`: the platform's). */
  setScaling: adminProcedure.input(ScalingInput).mutation(({ ctx, input }) => setScaling(ctx, input)),
});

export const deploymentsRouter = router({
  list: adminProcedure.query(({ ctx }) => listDeployments(ctx)),
  /** Sets `min_instances`/`max_instances` (a new release). */
  setScale: adminProcedure.input(ScaleInput).mutation(({ ctx, input }) => setScale(ctx, input)),
});
