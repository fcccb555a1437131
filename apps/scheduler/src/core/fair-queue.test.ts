import { describe, expect, it } from "vitest";
import { FairQueue } from "./fair-queue.ts";

const drain = (q: FairQueue<string>, lane: string) => {
  const out: string[] = [];
  for (let item = q.shift(lane); item !== undefined; item = q.shift(lane)) out.push(item);
  return out;
};

describe("FairQueue", () => {
  it("serves accounts in turn, oldest first within each", () => {
    const q = new FairQueue<string>();
    for (let i = 0; i < 5; i++) q.push("L", "burst", `burst-${i}`);
    q.push("L", "small", "small-0");
    q.push("L", "other", "other-0");
    q.push("L", "small", "small-1");
    expect(q.size).toBe(8);
    const served = ["burst-0", "small-0", "other-0", "burst-1", "small-1", "burst-2", "burst-3", "burst-4"];
    expect(q.ordered("L")).toEqual(served);
    expect(q.ordered("elsewhere")).toEqual([]);
    expect(drain(q, "L")).toEqual([
      "burst-0",
      "small-0",
      "other-0",
      "burst-1",
      "small-1",
      "burst-2",
      "burst-3",
      "burst-4",
    ]);
    expect(q.size).toBe(0);
    expect(q.lanes()).toEqual([]);
  });

  it("a newcomer waits at most one turn per other account, whatever their backlog", () => {
    const q = new FairQueue<string>();
    for (let i = 0; i < 1000; i++) q.push("L", `a${i % 3}`, `a${i % 3}-${i}`);
    q.shift("L");
    q.push("L", "late", "late-0");
    const order = drain(q, "L");
    expect(order.indexOf("late-0")).toBeLessThanOrEqual(3);
  });

  it("puts an item back at the head of its lane", () => {
    const q = new FairQueue<string>();
    q.push("L", "a", "a1");
    q.push("L", "b", "b1");
    q.unshift("L", "a", "a0");
    q.unshift("L", "c", "c0");
    expect(q.size).toBe(4);
    expect(drain(q, "L")).toEqual(["c0", "a0", "b1", "a1"]);
  });

  it("takes the item that was served, even when another was put back before it meanwhile", () => {
    const q = new FairQueue<string>();
    q.push("L", "a", "a1");
    q.push("L", "a", "a2");
    q.push("L", "b", "b1");
    const head = q.peek("L")!;
    q.unshift("L", "a", "a0");
    expect(q.take("L", head)).toBe(true);
    expect(q.take("L", "missing")).toBe(false);
    expect(q.size).toBe(3);
    expect(drain(q, "L")).toEqual(["b1", "a0", "a2"]);
  });

  it("keeps lanes apart", () => {
    const q = new FairQueue<string>();
    q.push("x", "acct", "x1");
    q.push("y", "acct", "y1");
    expect(q.peek("x")).toBe("x1");
    expect(q.depth("x")).toBe(1);
    expect(drain(q, "y")).toEqual(["y1"]);
    expect(q.lanes()).toEqual(["x"]);
  });

  it("removes what matches from every lane", () => {
    const q = new FairQueue<string>();
    for (const item of ["a-keep", "a-drop", "b-drop"]) q.push(item.startsWith("a") ? "L1" : "L2", item[0]!, item);
    expect(q.removeWhere((i) => i.endsWith("drop")).sort()).toEqual(["a-drop", "b-drop"]);
    expect([...q.items()]).toEqual(["a-keep"]);
    expect(q.size).toBe(1);
    expect(q.lanes()).toEqual(["L1"]);
  });
});
