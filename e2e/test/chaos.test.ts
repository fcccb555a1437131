import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeSchedule, refusalWindows } from "./chaos/core.ts";
import { ALL_TARGETS, runChaos } from "./chaos/run.ts";
import { type Platform, startPlatform } from "./helpers.ts";

/**
 * The bounded fault run of `npm test` (`npm run chaos` is the long one, docs/reliability.md): 24 s
 * of creates at 3/s through the public API while scheduler, an agent, the gateway, billing and the
 * nats-server are each killed with -9 once and started again. Every accepted prediction must end,
 * none may be forgotten or run twice, and billing must charge exactly the predict time shown.
 */
const SEED = Number(process.env.GANTRY_CHAOS_SEED ?? 14);

let p: Platform;
beforeAll(async () => {
  p = await startPlatform("r8_e2e_dev_token", { agents: 2 });
});
afterAll(async () => {
  await p?.close();
});

describe(`chaos: kill -9 of every service and of nats-server under load (seed ${SEED})`, () => {
  it("loses nothing, strands nothing, runs nothing twice and bills exactly the time shown", async () => {
    const log: string[] = [];
    const r = await runChaos(p, {
      durationMs: 24_000,
      rate: 3,
      seed: SEED,
      drainMs: 45_000,
      targets: ALL_TARGETS,
      log: (line) => log.push(line),
    });
    const t = r.tally;
    const context = [
      ...describeSchedule(r.faults),
      ...refusalWindows(r.outcomes).map((l) => `refused ${l}`),
      ...log.filter((l) => l.startsWith("billing applied") || l.startsWith("no usage")),
      JSON.stringify({ statuses: t.statuses, examples: t.examples }),
      // What the API and billing showed of each prediction billed wrong or beyond its model time.
      ...r.observations
        .filter((o) => t.examples.overbilled.includes(o.id) || t.examples.misbilled.includes(o.id))
        .slice(0, 5)
        .map((o) => JSON.stringify({ id: o.id, final: { ...o.final, output: undefined }, billed: o.billed })),
    ].join("\n");
    // The load ran, no service crashed by itself, and the platform serves again after the faults.
    expect(t.accepted, context).toBeGreaterThan(0);
    expect(r.crashed, context).toEqual([]);
    expect(r.servesAfter, context).toBe(true);
    expect({ lost: t.lost, stuck: t.stuck, ranTwice: t.ranTwice }, context).toEqual({ lost: 0, stuck: 0, ranTwice: 0 });
    expect(t.billedMinusShownMs, context).toBe(0);
    expect(t.billedBeyondModelMs, context).toBe(0);
  }, 150_000);
});
