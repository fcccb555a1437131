import { describe, expect, it } from "vitest";
import {
  type CreateOutcome,
  expectedOutput,
  type Final,
  faultSchedule,
  loadPlan,
  type Observation,
  refusalWindows,
  renderTable,
  tally,
} from "./core.ts";

const TARGETS = ["scheduler", "agent-0", "gateway", "billing", "nats"] as const;

describe("faultSchedule", () => {
  it("kills every target once per round, in order of time, without overlap, inside the load", () => {
    for (const seed of [1, 2, 3, 99]) {
      const faults = faultSchedule({ durationMs: 90_000, targets: TARGETS, seed, rounds: 2 });
      expect(faults).toHaveLength(10);
      for (const round of [faults.slice(0, 5), faults.slice(5)]) {
        expect(round.map((f) => f.target).sort()).toEqual([...TARGETS].sort());
      }
      for (let i = 1; i < faults.length; i++) {
        const prev = faults[i - 1]!;
        expect(faults[i]!.atMs).toBeGreaterThanOrEqual(prev.atMs + prev.downMs);
      }
      expect(faults[0]!.atMs).toBeGreaterThanOrEqual(9_000);
      const last = faults.at(-1)!;
      expect(last.atMs + last.downMs).toBeLessThanOrEqual(90_000);
    }
  });

  it("is the same for the same seed, and another for another", () => {
    const a = faultSchedule({ durationMs: 60_000, targets: TARGETS, seed: 7 });
    expect(faultSchedule({ durationMs: 60_000, targets: TARGETS, seed: 7 })).toEqual(a);
    expect(faultSchedule({ durationMs: 60_000, targets: TARGETS, seed: 8 })).not.toEqual(a);
  });

  it("runs one round per started minute by default, and none without targets", () => {
    expect(faultSchedule({ durationMs: 30_000, targets: TARGETS, seed: 1 })).toHaveLength(5);
    expect(faultSchedule({ durationMs: 120_001, targets: TARGETS, seed: 1 })).toHaveLength(15);
    expect(faultSchedule({ durationMs: 30_000, targets: [], seed: 1 })).toEqual([]);
  });
});

describe("loadPlan", () => {
  it("sends rate × seconds creates at even times, inputs within gantry/test's schema", () => {
    const plan = loadPlan({ durationMs: 10_000, rate: 4, seed: 5 });
    expect(plan).toHaveLength(40);
    expect(plan.map((i) => i.atMs)).toEqual(Array.from({ length: 40 }, (_, i) => i * 250));
    for (const item of plan) {
      expect(item.input.tokens).toBeGreaterThanOrEqual(1);
      expect(item.input.tokens).toBeLessThanOrEqual(5);
      expect(item.input.sleep_ms).toBeLessThan(1500);
    }
    expect(plan.some((i) => i.waitS !== null)).toBe(true);
    expect(plan.some((i) => i.waitS === null)).toBe(true);
  });
});

const shown = (over: Partial<Extract<Final, { kind: "shown" }>> = {}): Final => ({
  kind: "shown",
  status: "succeeded",
  output: expectedOutput(2),
  predictTimeS: 0.5,
  startedAt: "2026-01-01T00:00:00.000Z",
  completedAt: "2026-01-01T00:00:00.600Z",
  ...over,
});
const ob = (
  id: string,
  final: Final,
  lineItemMs: number[] = [500],
  usageMessages = lineItemMs.length,
): Observation => ({
  id,
  tokens: 2,
  final,
  billed: { usageMessages, lineItemMs },
});

describe("tally", () => {
  const outcomes: CreateOutcome[] = [
    { kind: "accepted", id: "a", tokens: 2 },
    { kind: "refused", reason: "503", atMs: 100 },
    { kind: "refused", reason: "network", atMs: 200 },
    { kind: "refused", reason: "network", atMs: 300 },
  ];

  it("a clean run has nothing in the bad columns", () => {
    const t = tally(outcomes, [ob("a", shown())]);
    expect(t).toMatchObject({ creates: 4, accepted: 1, refused: 3, lost: 0, stuck: 0, ranTwice: 0 });
    expect(t.refusedBy).toEqual({ "503": 1, network: 2 });
    expect(t.billedMinusShownMs).toBe(0);
    expect(t.billedBeyondModelMs).toBe(0);
  });

  it("counts lost, stuck and unanswered predictions", () => {
    const t = tally(outcomes, [
      ob("a", { kind: "unknown" }, []),
      ob("b", shown({ status: "processing", predictTimeS: null, completedAt: null }), []),
      ob("c", { kind: "unanswered" }, []),
    ]);
    expect(t.lost).toBe(1);
    expect(t.stuck).toBe(2);
    expect(t.examples.stuck).toEqual(["b", "c"]);
  });

  it("a second usage message, a second line item or a duplicated output is a prediction run twice", () => {
    const t = tally(outcomes, [
      ob("a", shown(), [500], 2),
      ob("b", shown(), [250, 250]),
      ob("c", shown({ output: [...expectedOutput(2), ...expectedOutput(2)] })),
      ob("d", shown()),
      // A failed prediction's partial output is not a duplicate.
      ob("e", shown({ status: "failed", output: ["tok0"] })),
    ]);
    expect(t.examples.ranTwice).toEqual(["a", "b", "c"]);
  });

  it("billed − shown and billed beyond model time, in ms", () => {
    const t = tally(outcomes, [
      ob("a", shown(), [520]), // 20 ms more than shown, within the model's 600 ms
      ob("b", shown({ predictTimeS: 0.7 }), [700]), // as shown, 100 ms beyond the 600 ms it ran
      ob("c", shown({ startedAt: null, predictTimeS: null }), [300]), // never started, billed anyway
      ob("d", shown({ predictTimeS: 0.4 }), []), // shown, never billed
    ]);
    expect(t.billedMinusShownMs).toBe(20 + 0 + 300 - 400);
    expect(t.billedBeyondModelMs).toBe(100 + 300);
    expect(t.examples.overbilled).toEqual(["b", "c"]);
    expect(t.examples.misbilled).toEqual(["a", "c", "d"]);
  });
});

describe("the report", () => {
  it("renders one markdown row per run under the header", () => {
    const t = tally([{ kind: "refused", reason: "network", atMs: 0 }], []);
    const lines = renderTable([{ label: "r1", tally: t }]).split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe("|---|---|---|---|---|---|---|---|---|");
    expect(lines[2]).toBe("| r1 | 1 | 0 | 1 (network: 1) | 0 | 0 | 0 | 0 | 0 |");
  });

  it("groups consecutive refusals into windows", () => {
    const outcomes: CreateOutcome[] = [
      { kind: "refused", reason: "network", atMs: 1000 },
      { kind: "refused", reason: "503", atMs: 1500 },
      { kind: "accepted", id: "a", tokens: 1 },
      { kind: "refused", reason: "network", atMs: 4000 },
    ];
    expect(refusalWindows(outcomes)).toEqual(["+1.0–1.5 s: 1 × 503, 1 × network", "+4.0–4.0 s: 1 × network"]);
  });
});
