import { mulberry32 } from "@gantry/demo-models/prng";
import { exponentialGap, logNormal, logUniform, type Rng, weightedPicker, zipfWeights } from "./distributions.ts";
import { DEFAULT_HARDWARE, type TraceRow } from "./trace.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A synthetic workload: how much traffic, over how many models, arriving how. */
export interface TraceSpec {
  seed: number;
  hours: number;
  /** Mean predictions per second over the whole trace. */
  ratePerS: number;
  models: number;
  /** Zipf exponent of model popularity (about 1 for public model hubs). */
  zipf: number;
  /** Diurnal: a daily sine around the mean; bursty: a steady part plus bursts at one model. */
  arrivals: "diurnal" | "bursty";
  /** Diurnal: the swing around the mean, as a fraction of it (peak = mean·(1 + amplitude)). */
  amplitude?: number;
  /** Bursty: share of the predictions that come in bursts, bursts per hour, and how long one lasts. */
  burstShare?: number;
  burstsPerHour?: number;
  burstSpanMs?: number;
  /** Predict times: each model's median drawn log-uniform in this range; each prediction log-normal around it. */
  predictMedianMs?: [number, number];
  predictSigma?: number;
  /** Cold boots: each model's, uniform in this range. */
  bootMs?: [number, number];
  hardware?: string;
}

export interface ModelProfile {
  name: string;
  weight: number;
  bootMs: number;
  predictMedianMs: number;
}

/** No prediction runs longer than the scheduler's run timeout would allow (30 minutes). */
const MAX_PREDICT_MS = 1_800_000;

/** The models of a workload: Zipf popularity, a boot time and a typical predict time each. */
export function modelProfiles(spec: TraceSpec, rng: Rng): ModelProfile[] {
  const [pLo, pHi] = spec.predictMedianMs ?? [1000, 30_000];
  const [bLo, bHi] = spec.bootMs ?? [10_000, 120_000];
  return zipfWeights(spec.models, spec.zipf).map((weight, k) => ({
    name: `model-${String(k + 1).padStart(3, "0")}`,
    weight,
    bootMs: Math.round(bLo + (bHi - bLo) * rng()),
    predictMedianMs: Math.round(logUniform(rng, pLo, pHi)),
  }));
}

/** Arrival times (ms, ascending) of a non-homogeneous Poisson process with this rate (per ms), by thinning. */
function poissonArrivals(rng: Rng, endMs: number, peakPerMs: number, rateAt: (t: number) => number): number[] {
  const out: number[] = [];
  for (let t = exponentialGap(rng, peakPerMs); t < endMs; t += exponentialGap(rng, peakPerMs)) {
    if (rng() * peakPerMs < rateAt(t)) out.push(Math.floor(t));
  }
  return out;
}

/** A trace from a spec: the same spec (seed included) always gives the same rows. */
export function generateTrace(spec: TraceSpec): TraceRow[] {
  const rng = mulberry32(spec.seed);
  const models = modelProfiles(spec, rng);
  const pick = weightedPicker(models.map((m) => m.weight));
  const endMs = spec.hours * HOUR_MS;
  const mean = spec.ratePerS / 1000;
  const arrivals: { at: number; model: number }[] = [];
  if (spec.arrivals === "diurnal") {
    const a = spec.amplitude ?? 0.6;
    // Quietest at midnight, busiest at noon.
    const rateAt = (t: number) => mean * (1 - a * Math.cos((2 * Math.PI * t) / DAY_MS));
    for (const at of poissonArrivals(rng, endMs, mean * (1 + a), rateAt)) arrivals.push({ at, model: pick(rng()) });
  } else {
    const share = spec.burstShare ?? 0.3;
    const perHour = spec.burstsPerHour ?? 12;
    const span = spec.burstSpanMs ?? 60_000;
    const steady = mean * (1 - share);
    for (const at of poissonArrivals(rng, endMs, steady, () => steady)) arrivals.push({ at, model: pick(rng()) });
    const burstRate = perHour / HOUR_MS;
    const meanSize = (mean * share) / burstRate;
    for (const start of poissonArrivals(rng, endMs, burstRate, () => burstRate)) {
      const model = pick(rng());
      // Sizes are geometric around the mean: most bursts are modest, a few are large.
      const size = Math.max(1, Math.ceil(Math.log(1 - rng()) / Math.log(1 - 1 / meanSize)));
      for (let k = 0; k < size; k++) {
        const at = Math.floor(start + rng() * span);
        if (at < endMs) arrivals.push({ at, model });
      }
    }
    arrivals.sort((x, y) => x.at - y.at || x.model - y.model);
  }
  const sigma = spec.predictSigma ?? 1;
  const hardware = spec.hardware ?? DEFAULT_HARDWARE;
  return arrivals.map(({ at, model }) => {
    const m = models[model] as ModelProfile;
    const predictMs = Math.min(MAX_PREDICT_MS, Math.max(1, Math.round(logNormal(rng, m.predictMedianMs, sigma))));
    return { arrivalMs: at, model: m.name, predictMs, bootMs: m.bootMs, hardware };
  });
}
