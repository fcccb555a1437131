/**
 * A minimum segment tree over positions `0..n-1`: set a position's value, and find the leftmost
 * position at or after `from` whose value is at most a limit, both in O(log n). Unset positions hold
 * `Infinity`, so a finite limit never finds them.
 */
export class MinTree {
  readonly #size: number;
  readonly #t: Float64Array;

  constructor(n: number) {
    let size = 1;
    while (size < n) size *= 2;
    this.#size = size;
    this.#t = new Float64Array(2 * size).fill(Number.POSITIVE_INFINITY);
  }

  set(pos: number, value: number): void {
    const t = this.#t;
    let i = pos + this.#size;
    if (t[i] === value) return;
    t[i] = value;
    for (i >>= 1; i >= 1; i >>= 1) t[i] = Math.min(t[2 * i] as number, t[2 * i + 1] as number);
  }

  /** The leftmost position `>= from` holding a value `<= limit`, or -1. */
  first(limit: number, from = 0): number {
    return this.#first(1, 0, this.#size, from, limit);
  }

  #first(node: number, lo: number, hi: number, from: number, limit: number): number {
    if (hi <= from || (this.#t[node] as number) > limit) return -1;
    if (hi - lo === 1) return lo;
    const mid = (lo + hi) >> 1;
    const left = this.#first(2 * node, lo, mid, from, limit);
    return left >= 0 ? left : this.#first(2 * node + 1, mid, hi, from, limit);
  }
}
