/** Seeded draws for trace generation; `rng` is a uniform source on [0, 1) (mulberry32). */
export type Rng = () => number;

/** Zipf popularity: weight 1/k^s for the k-th model (k from 1), normalized. */
export function zipfWeights(n: number, s: number): number[] {
  const raw = Array.from({ length: n }, (_, k) => 1 / (k + 1) ** s);
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((w) => w / total);
}

/** Draws indices by weight (weights summing to 1): a binary search of the cumulative sums. */
export function weightedPicker(weights: readonly number[]): (u: number) => number {
  const cdf: number[] = [];
  let sum = 0;
  for (const w of weights) {
    sum += w;
    cdf.push(sum);
  }
  return (u) => {
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (u < (cdf[mid] ?? 1)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/** A standard normal draw (Box–Muller). */
export function normal(rng: Rng): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** A log-normal draw with this median and shape: heavy-tailed (its mean is median·e^(σ²/2)). */
export function logNormal(rng: Rng, median: number, sigma: number): number {
  return median * Math.exp(sigma * normal(rng));
}

/** The gap to the next event of a Poisson process of this rate (per ms). */
export function exponentialGap(rng: Rng, ratePerMs: number): number {
  return -Math.log(1 - rng()) / ratePerMs;
}

/** Log-uniform between lo and hi: as many values in each decade. */
export function logUniform(rng: Rng, lo: number, hi: number): number {
  return lo * (hi / lo) ** rng();
}
