import { z } from "zod";

const HhMm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be "HH:MM" (UTC)');

/** A scheduled pre-warm: at least `instances` booted from `start` to `end` (UTC; `end` before `start` wraps past midnight). */
export const PrewarmWindow = z.strictObject({
  start: HhMm,
  end: HhMm,
  instances: z.number().int().min(1).max(20),
  /** Days of the week (0 = Sunday, UTC) the window opens on; absent: every day. */
  days: z.array(z.number().int().min(0).max(6)).min(1).max(7).optional(),
});
export type PrewarmWindow = z.infer<typeof PrewarmWindow>;

/**
 * Gantry's scaling knobs (extensions to Replicate's deployments; also a model's defaults, set by an
 * operator). Every field is optional: an absent one falls back to the model's default, then the
 * platform's (docs/capacity.md). `null` in a PATCH clears the knob back to its default.
 */
export const ScalingKnobs = z.strictObject({
  /** Idle instances kept ready beyond the demand estimate while there is demand. */
  buffer: z.number().int().min(0).max(10).optional(),
  /** Predictions each instance is planned to run at once (capped by the model's concurrency). */
  target_concurrency: z.number().int().min(1).max(64).optional(),
  /** Seconds the demand estimate must stay lower before instances are released. */
  scale_down_window: z.number().int().min(0).max(3600).optional(),
  /** Boot ahead of demand from the recent arrival rate (true by default). */
  predictive: z.boolean().optional(),
  /** Scheduled pre-warm windows. */
  prewarm: z.array(PrewarmWindow).max(8).optional(),
});
export type ScalingKnobs = z.infer<typeof ScalingKnobs>;

/** A PATCH of knobs: a field set to `null` goes back to its default. */
export const ScalingPatch = z.strictObject({
  buffer: ScalingKnobs.shape.buffer.unwrap().nullable().optional(),
  target_concurrency: ScalingKnobs.shape.target_concurrency.unwrap().nullable().optional(),
  scale_down_window: ScalingKnobs.shape.scale_down_window.unwrap().nullable().optional(),
  predictive: ScalingKnobs.shape.predictive.unwrap().nullable().optional(),
  prewarm: ScalingKnobs.shape.prewarm.unwrap().nullable().optional(),
});
export type ScalingPatch = z.infer<typeof ScalingPatch>;

/** Knobs after a patch: fields set to null are dropped (back to their defaults). Pure. */
export function patchScaling(current: ScalingKnobs | undefined, patch: ScalingPatch): ScalingKnobs {
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete next[k];
    else if (v !== undefined) next[k] = v;
  }
  return next as ScalingKnobs;
}
