import { describe, expect, it } from "vitest";
import { TtlCache } from "./ttl-cache.ts";

const loader = () => {
  let calls = 0;
  return {
    load: (v: string) => async () => {
      calls++;
      return v;
    },
    get calls() {
      return calls;
    },
  };
};

describe("TtlCache", () => {
  it("serves a hit without loading until the entry is older than ttlMs", async () => {
    let t = 1000;
    const cache = new TtlCache<string>(100, () => t);
    const l = loader();
    expect(await cache.get("a", l.load("one"))).toBe("one");
    t += 100;
    expect(await cache.get("a", l.load("two"))).toBe("one");
    expect(l.calls).toBe(1);
    t += 1;
    expect(await cache.get("a", l.load("two"))).toBe("two");
    expect(l.calls).toBe(2);
  });

  it("caches null answers (unknown tokens) too", async () => {
    const cache = new TtlCache<string | null>(100, () => 0);
    let calls = 0;
    const load = async () => {
      calls++;
      return null;
    };
    expect(await cache.get("x", load)).toBeNull();
    expect(await cache.get("x", load)).toBeNull();
    expect(calls).toBe(1);
  });

  it("when full, evicts only the least recently used entry, never everything", async () => {
    const cache = new TtlCache<string>(60_000, () => 0, 3);
    const l = loader();
    for (const k of ["a", "b", "c"]) await cache.get(k, l.load(k));
    await cache.get("a", l.load("a")); // a is now the most recently used
    await cache.get("d", l.load("d")); // evicts b
    expect(cache.size).toBe(3);
    const before = l.calls;
    for (const k of ["a", "c", "d"]) await cache.get(k, l.load(`${k}!`));
    expect(l.calls).toBe(before);
    expect(await cache.get("b", l.load("b!"))).toBe("b!");
    expect(l.calls).toBe(before + 1);
  });

  it("stays at its bound under many distinct keys", async () => {
    const cache = new TtlCache<string>(60_000, () => 0, 100);
    for (let i = 0; i < 5000; i++) await cache.get(`k${i}`, async () => "v");
    expect(cache.size).toBe(100);
  });

  it("delete forgets one entry", async () => {
    const cache = new TtlCache<string>(60_000, () => 0);
    const l = loader();
    await cache.get("a", l.load("one"));
    cache.delete("a");
    expect(await cache.get("a", l.load("two"))).toBe("two");
  });
});

describe("TtlCache with no TTL", () => {
  it("caches nothing: every read loads", async () => {
    const cache = new TtlCache<number>(0, () => 0);
    let loads = 0;
    await cache.get("k", async () => ++loads);
    await cache.get("k", async () => ++loads);
    expect(loads).toBe(2);
    expect(cache.size).toBe(0);
  });
});
