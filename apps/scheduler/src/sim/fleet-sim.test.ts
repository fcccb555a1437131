import { describe, expect, it } from "vitest";
import { simulate } from "./fleet-sim.ts";
import { generateTrace } from "./generate.ts";
import { summarize } from "./metrics.ts";
import { KEEP_ALIVE, policyNamed } from "./policies.ts";
import type { TraceRow } from "./trace.ts";

const production = policyNamed("production");
const row = (arrivalMs: number, model: string, predictMs = 1000, bootMs = 10_000): TraceRow => ({
  arrivalMs,
  model,
  predictMs,
  bootMs,
  hardware: "gpu-l40s",
});
const waits = (r: { waits: Float64Array }) => [...r.waits];

describe("fleet simulator", () => {
  it("boots a cold model, runs it, and holds the instance until the agents' idle window ends", async () => {
    const run = await simulate([row(0, "a")], { agents: 1, slots: 1, seed: 1, policy: production });
    expect(waits(run)).toEqual([10_000]);
    expect(run.coldBoots).toBe(1);
    // Launched at 0, ready at 10 s, done at 11 s; the model's only instance (no extra for the trimmer),
    // stopped by the agent's idle sweep 600 s later.
    expect(run.heldMs).toBe(611_000);
    expect(run.busyMs).toBe(1000);
  });

  it("reuses a warm instance within the idle window", async () => {
    const run = await simulate([row(0, "a"), row(20_000, "a")], { agents: 2, slots: 1, seed: 1, policy: production });
    expect(waits(run)).toEqual([10_000, 0]);
    expect(run.coldBoots).toBe(1);
  });

  it("scales up as the scheduler's policy says: production waits scaleUpAfterMs (to the next sweep), keep-alive boots at once", async () => {
    const trace = [row(0, "a"), row(0, "a")];
    const prod = await simulate(trace, { agents: 2, slots: 1, seed: 1, policy: production });
    expect(waits(prod)).toEqual([10_000, 11_000]);
    const keep = await simulate(trace, { agents: 2, slots: 1, seed: 1, policy: KEEP_ALIVE });
    expect(waits(keep)).toEqual([10_000, 10_000]);
  });

  it("replaces an idle instance of another model only once it idled evictIdleMs, as the agent's pool does", async () => {
    const trace = [row(0, "a"), row(20_000, "b")];
    const prod = await simulate(trace, { agents: 1, slots: 1, seed: 1, policy: production });
    expect(waits(prod)).toEqual([10_000, 10_000]);
    expect(prod.evictions).toBe(1);
    // Keep-alive never evicts: b waits for a's instance to be stopped 10 minutes after its last prediction.
    const keep = await simulate(trace, { agents: 1, slots: 1, seed: 1, policy: KEEP_ALIVE });
    expect(waits(keep)).toEqual([10_000, 611_000 - 20_000 + 10_000]);
    expect(keep.evictions).toBe(0);
  });

  it("unbound boots: the second prediction takes the first slot to free, not the instance booted for it", async () => {
    const trace = [row(0, "a", 500), row(0, "a", 500)];
    // Bound: the second boots its own instance at the 1 s sweep and waits for it (ready at 11 s).
    const bound = await simulate(trace, { agents: 2, slots: 1, seed: 1, policy: policyNamed("bound") });
    expect(waits(bound)).toEqual([10_000, 11_000]);
    // Unbound (production): the same boot, but the first instance frees at 10.5 s and the second takes it.
    const unbound = await simulate(trace, { agents: 2, slots: 1, seed: 1, policy: production });
    expect(waits(unbound)).toEqual([10_000, 10_500]);
    expect(unbound.coldBoots).toBe(2);
  });

  it("lets a model's extra instances go after extraIdleMs and keeps its last one the full window", async () => {
    const policy = { ...production, scale: { ...production.scale, extraIdleMs: 60_000 }, idleStopMs: 600_000 };
    const run = await simulate([row(0, "a"), row(0, "a")], { agents: 2, slots: 1, seed: 1, policy });
    expect(waits(run)).toEqual([10_000, 11_000]);
    // One done at 11 s and one at 12 s: at the trimmer's tick of 75 s both idled 60 s, and the one
    // used first goes as an extra; the other is then the last and keeps the agents' 600 s.
    expect(run.heldMs).toBe(75_000 + (612_000 - 1000));
    const all = await simulate([row(0, "a"), row(0, "a")], {
      agents: 2,
      slots: 1,
      seed: 1,
      policy: { ...policy, scale: { ...production.scale, extraIdleMs: undefined } },
    });
    expect(all.heldMs).toBe(611_000 + (612_000 - 1000));
  });

  it("drains before it boots: a queue its ready instance starts within the horizon gets no boot", async () => {
    // a's first prediction boots it (ready at 10 s) and teaches the lane that a prediction takes 5 s.
    const trace = [row(0, "a", 5000), row(20_000, "a", 5000), row(20_000, "a", 5000)];
    const run = await simulate(trace, { agents: 2, slots: 1, seed: 1, policy: production });
    // The third waits 5 s for the busy instance: one slot freeing every 5 s is well inside 20 s.
    expect(waits(run)).toEqual([10_000, 0, 5000]);
    expect(run.coldBoots).toBe(1);
    // Round 8 scaled up at the 21 s sweep: the same waits, and an instance booted only to idle.
    const before = await simulate(trace, { agents: 2, slots: 1, seed: 1, policy: policyNamed("round-8") });
    expect(waits(before)).toEqual([10_000, 0, 5000]);
    expect(before.coldBoots).toBe(2);
  });

  it("lets a quick-booting model's extras go sooner than a slow one's (rent or buy)", async () => {
    const policy = {
      ...production,
      scale: { ...production.scale, extraIdleMs: 120_000, extraIdlePerBoot: 1.5, extraIdleMinMs: 30_000 },
    };
    const trimmedAfter = async (bootMs: number) => {
      const r = await simulate([row(0, "a", 1000, bootMs), row(0, "a", 1000, bootMs)], {
        agents: 2,
        slots: 1,
        seed: 1,
        policy,
      });
      // One of the two instances is the extra: its last idle stretch ends at the trimmer's first 5 s tick past its window.
      return r.endIdleMs.trimmed;
    };
    // A 20 s boot: its window is the 30 s floor; a 60 s boot: 90 s; a 100 s boot: 150 s, capped at 120 s.
    for (const [bootMs, windowMs] of [
      [20_000, 30_000],
      [60_000, 90_000],
      [100_000, 120_000],
    ] as const) {
      const idle = await trimmedAfter(bootMs);
      expect(idle).toBeGreaterThanOrEqual(windowMs);
      expect(idle).toBeLessThan(windowMs + 5000);
    }
  });

  it("fails the predictions of a boot that fails", async () => {
    const run = await simulate([row(0, "a"), row(1, "b")], {
      agents: 2,
      slots: 1,
      seed: 1,
      policy: production,
      bootFailRate: 1,
    });
    expect(run.failed).toBe(2);
    expect(waits(run)).toEqual([-1, -1]);
  });

  const busy = generateTrace({
    seed: 3,
    hours: 0.25,
    ratePerS: 0.4,
    models: 30,
    zipf: 1.1,
    arrivals: "bursty",
    burstsPerHour: 20,
    predictMedianMs: [2000, 60_000],
  });

  it("gives the same run for the same trace and seed, and the same as when placement reads every agent", async () => {
    const pooled = policyNamed("pooled");
    for (const policy of [production, KEEP_ALIVE, pooled]) {
      const options = { agents: 10, slots: 2, seed: 5, policy, bootFailRate: 0.05 };
      const a = await simulate(busy, options);
      const b = await simulate(busy, options);
      const exact = await simulate(busy, { ...options, exact: true });
      expect(b).toEqual(a);
      expect(exact).toEqual(a);
      if (policy === pooled) continue; // unbound boots and extras let go early: the same run whichever way it reads
      expect(a.failed).toBeGreaterThan(0);
      // A full fleet: predictions waited and instances were replaced, so the shortcut was tested where it matters.
      expect(summarize(a).p99_wait_ms).toBeGreaterThan(0);
      if (policy === production) expect(a.evictions).toBeGreaterThan(0);
    }
  }, 20_000);
});
