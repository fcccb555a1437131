import { describe, expect, it } from "vitest";
import { MinTree } from "./min-tree.ts";

describe("MinTree", () => {
  it("finds the leftmost position at or after `from` whose value is at most the limit", () => {
    const t = new MinTree(5);
    for (const [k, v] of [3, 1, 4, 1, 5].entries()) t.set(k, v);
    expect(t.first(1)).toBe(1);
    expect(t.first(1, 2)).toBe(3);
    expect(t.first(1, 4)).toBe(-1);
    expect(t.first(0)).toBe(-1);
    expect(t.first(5, 4)).toBe(4);
    t.set(1, 9);
    expect(t.first(1)).toBe(3);
    expect(t.first(3)).toBe(0);
  });

  it("never finds unset positions, and Infinity only under an infinite limit", () => {
    const t = new MinTree(3);
    expect(t.first(Number.MAX_VALUE)).toBe(-1);
    t.set(2, Number.POSITIVE_INFINITY);
    expect(t.first(Number.MAX_VALUE)).toBe(-1);
    t.set(2, 7);
    expect(t.first(Number.MAX_VALUE)).toBe(2);
  });

  it("agrees with a linear scan on random updates", () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const n = 37;
    const t = new MinTree(n);
    const values = new Array<number>(n).fill(Number.POSITIVE_INFINITY);
    for (let step = 0; step < 2000; step++) {
      const k = rand(n);
      values[k] = rand(10);
      t.set(k, values[k] ?? 0);
      const limit = rand(10);
      const from = rand(n);
      const want = values.findIndex((v, i) => i >= from && v <= limit);
      expect(t.first(limit, from)).toBe(want);
    }
  });
});
