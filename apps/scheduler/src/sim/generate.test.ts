import { describe, expect, it } from "vitest";
import { generateTrace, type TraceSpec } from "./generate.ts";
import { SHIPPED_TRACES } from "./shipped.ts";

const spec: TraceSpec = {
  seed: 7,
  hours: 24,
  ratePerS: 0.5,
  models: 20,
  zipf: 1.1,
  arrivals: "diurnal",
  amplitude: 0.6,
};
const HOUR = 3_600_000;

describe("trace generators", () => {
  const day = generateTrace(spec);

  it("give the same rows for the same spec, and other rows for another seed", () => {
    const short = { ...spec, hours: 2 };
    expect(generateTrace(short)).toEqual(generateTrace(short));
    expect(generateTrace({ ...short, seed: 8 })).not.toEqual(generateTrace(short));
  });

  it("draw model popularity from Zipf: the k-th model about 1/k^s as often as the first", () => {
    const rows = day;
    const count = (m: string) => rows.filter((r) => r.model === m).length;
    const first = count("model-001");
    expect(rows.length).toBeGreaterThan(0.9 * 0.5 * 86_400);
    expect(rows.length).toBeLessThan(1.1 * 0.5 * 86_400);
    expect(count("model-002") / first).toBeCloseTo(2 ** -1.1, 1);
    expect(count("model-010") / first).toBeCloseTo(10 ** -1.1, 1);
  });

  it("swing with the day: the noon hour is busier than the midnight hour by about (1+a)/(1-a)", () => {
    const rows = day;
    const inHour = (h: number) => rows.filter((r) => r.arrivalMs >= h * HOUR && r.arrivalMs < (h + 1) * HOUR).length;
    const ratio = (inHour(11) + inHour(12)) / (inHour(23) + inHour(0));
    expect(ratio).toBeGreaterThan(3);
    expect(ratio).toBeLessThan(5.5);
  });

  it("boot each model in 10–120 s, and give heavy-tailed predict times (mean well above median)", () => {
    const rows = day;
    const boots = rows.map((r) => r.bootMs);
    expect(Math.min(...boots)).toBeGreaterThanOrEqual(10_000);
    expect(Math.max(...boots)).toBeLessThanOrEqual(120_000);
    const first = rows.filter((r) => r.model === "model-001").map((r) => r.predictMs);
    const sorted = [...first].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const mean = first.reduce((a, b) => a + b, 0) / first.length;
    expect(mean / median).toBeGreaterThan(1.4);
    expect(mean / median).toBeLessThan(1.95);
  });

  it("make bursts: minutes in which one model gets far more than the steady rate", () => {
    const rows = generateTrace({ ...spec, hours: 2, arrivals: "bursty", burstShare: 0.5, burstsPerHour: 6 });
    const perMinute = new Map<string, number>();
    for (const r of rows) {
      const key = `${Math.floor(r.arrivalMs / 60_000)}|${r.model}`;
      perMinute.set(key, (perMinute.get(key) ?? 0) + 1);
    }
    const steadyPerMinute = 0.5 * 0.5 * 60;
    expect(Math.max(...perMinute.values())).toBeGreaterThan(3 * steadyPerMinute);
    for (let k = 1; k < rows.length; k++)
      expect(rows[k]?.arrivalMs).toBeGreaterThanOrEqual(rows[k - 1]?.arrivalMs ?? 0);
  });

  it("ship named traces on 500-agent fleets", () => {
    expect(SHIPPED_TRACES.map((t) => t.name)).toEqual(["diurnal-day", "bursty-day"]);
    for (const t of SHIPPED_TRACES) expect(t.agents).toBe(500);
  });
});
