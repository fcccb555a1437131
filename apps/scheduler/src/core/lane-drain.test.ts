import { describe, expect, it } from "vitest";
import { FairQueue } from "./fair-queue.ts";
import { type DrainPlan, drainLane } from "./lane-drain.ts";

interface W {
  id: string;
  busy: boolean;
}

const setup = (ids: string[]) => {
  const queue = new FairQueue<W>();
  for (const id of ids) queue.push("lane", id.startsWith("x") ? "acct-x" : "acct-y", { id, busy: false });
  return queue;
};

describe("drainLane", () => {
  it("sends warm placements and goes on, stops at the first head that must wait, and tells the lane", async () => {
    const queue = setup(["x1", "y1", "x2"]);
    const plans: Record<string, DrainPlan<string>> = {
      x1: { kind: "send", warm: true, send: "a1" },
      y1: { kind: "ended" },
      x2: { kind: "wait" },
    };
    const log: string[] = [];
    await drainLane(queue, "lane", {
      plan: async (w) => {
        expect(w.busy).toBe(true);
        return plans[w.id] ?? { kind: "wait" };
      },
      waits: () => log.push("waits"),
      sendWarm: (w, s) => log.push(`warm ${w.id}→${s}`),
      sendBoot: async () => true,
      requeue: (w) => log.push(`requeue ${w.id}`),
      bootFor: async () => true,
    });
    expect(log).toEqual(["warm x1→a1", "waits"]);
    expect([...queue.items()].map((w) => w.id)).toEqual(["x2"]);
    expect(queue.peek("lane")?.busy).toBe(false);
  });

  it("waits for each boot; a boot no agent took puts the head back and ends the drain", async () => {
    const queue = setup(["x1", "y1"]);
    const log: string[] = [];
    await drainLane(queue, "lane", {
      plan: async () => ({ kind: "send", warm: false, send: "boot" }),
      waits: () => log.push("waits"),
      sendWarm: () => log.push("warm"),
      sendBoot: async (w) => {
        log.push(`boot ${w.id}`);
        return w.id === "x1";
      },
      requeue: (w) => {
        log.push(`requeue ${w.id}`);
        queue.unshift("lane", "acct-y", w);
      },
      bootFor: async () => true,
    });
    expect(log).toEqual(["boot x1", "boot y1", "requeue y1"]);
    expect([...queue.items()].map((w) => w.id)).toEqual(["y1"]);
  });

  it("an unbound boot leaves the head queued and plans it again; a refused one ends the drain", async () => {
    const queue = setup(["x1", "y1"]);
    const log: string[] = [];
    let boots = 0;
    await drainLane(queue, "lane", {
      // Two boots for the lane, then the head takes a free slot, then the next head waits.
      plan: async (w) =>
        w.id === "x1" && boots < 2
          ? { kind: "boot", send: "b" }
          : w.id === "x1"
            ? { kind: "send", warm: true, send: "a1" }
            : { kind: "boot", send: "refused" },
      waits: () => log.push("waits"),
      sendWarm: (w, s) => log.push(`warm ${w.id}→${s}`),
      sendBoot: async () => true,
      requeue: (w) => log.push(`requeue ${w.id}`),
      bootFor: async (s) => {
        log.push(`boot ${s}`);
        if (s === "refused") return false;
        boots++;
        return true;
      },
    });
    expect(log).toEqual(["boot b", "boot b", "warm x1→a1", "boot refused", "waits"]);
    expect([...queue.items()].map((w) => w.id)).toEqual(["y1"]);
  });
});
