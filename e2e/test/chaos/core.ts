import { mulberry32 } from "@gantry/demo-models/prng";
/**
 * The pure parts of the fault run (`npm run chaos`, `test/chaos.test.ts`): which process is killed
 * when, what each create asks of `gantry/test`, the tally of what the API and billing show
 * afterwards, and the table it prints. No I/O here: `run.ts` does it.
 */

/** What can be SIGKILLed: a service of the stack by its name, or the nats-server itself. */
export type FaultTarget = "scheduler" | "billing" | "gateway" | "nats" | `agent-${number}`;

export interface Fault {
  /** Milliseconds after the load starts. */
  atMs: number;
  target: FaultTarget;
  /** How long it stays down before it is started again. */
  downMs: number;
}

/** A small seeded generator (mulberry32): the same seed, the same schedule and the same load. */
export const seededRandom = mulberry32;

export interface ScheduleOptions {
  durationMs: number;
  targets: readonly FaultTarget[];
  seed: number;
  /** How many times each target is killed (default: one round per started minute of load). */
  rounds?: number;
  /** Down time is drawn from `[min, max]` (default 200–1500 ms). */
  downMs?: readonly [number, number];
}

/**
 * Kills every target once per round, in an order shuffled by the seed, spread evenly over the
 * first 80 % of the load (the first 10 % is left calm) with a seeded jitter of a quarter slot, so
 * faults never overlap: each one ends before the next begins.
 */
export function faultSchedule(o: ScheduleOptions): Fault[] {
  const rand = seededRandom(o.seed);
  const rounds = o.rounds ?? Math.max(1, Math.ceil(o.durationMs / 60_000));
  const [minDown, maxDown] = o.downMs ?? [200, 1500];
  const order: FaultTarget[] = [];
  for (let r = 0; r < rounds; r++) {
    const round = [...o.targets];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [round[i], round[j]] = [round[j] as FaultTarget, round[i] as FaultTarget];
    }
    order.push(...round);
  }
  if (order.length === 0) return [];
  const start = o.durationMs * 0.1;
  const slot = (o.durationMs * 0.7) / order.length;
  return order.map((target, i) => {
    const downMs = Math.round(Math.min(minDown + rand() * (maxDown - minDown), slot / 2));
    const jitter = (rand() - 0.5) * (slot / 4);
    return { atMs: Math.round(start + i * slot + slot / 4 + jitter), target, downMs };
  });
}

/** The input of one create: a few tokens, sometimes a pause, sometimes a `Prefer: wait`. */
export interface LoadItem {
  atMs: number;
  input: { tokens: number; token_delay_ms: number; sleep_ms: number };
  /** `Prefer: wait=N` seconds, or null for an async create. */
  waitS: number | null;
}

/** Creates at `rate` per second for `durationMs`, each input drawn from the seed. */
export function loadPlan(o: { durationMs: number; rate: number; seed: number }): LoadItem[] {
  const rand = seededRandom(o.seed ^ 0x5eed);
  const count = Math.floor((o.durationMs / 1000) * o.rate);
  const items: LoadItem[] = [];
  for (let i = 0; i < count; i++) {
    items.push({
      atMs: Math.round((i * 1000) / o.rate),
      input: {
        tokens: 1 + Math.floor(rand() * 5),
        token_delay_ms: Math.floor(rand() * 4) * 50,
        sleep_ms: rand() < 0.3 ? Math.floor(rand() * 1500) : 0,
      },
      waitS: rand() < 0.25 ? 5 : null,
    });
  }
  return items;
}

/** The tokens `gantry/test` emits for `tokens`: anything else in a succeeded output was duplicated or lost. */
export function expectedOutput(tokens: number): string[] {
  return Array.from({ length: tokens }, (_, i) => (i === 0 ? "tok0" : ` tok${i}`));
}

/** What the run saw of one create. */
export type CreateOutcome =
  | { kind: "accepted"; id: string; tokens: number }
  | { kind: "refused"; reason: string; atMs: number };

/** What the API shows of an accepted prediction once the drain is over. */
export type Final =
  | { kind: "unknown" } // 404: the platform forgot it
  | { kind: "unanswered" } // no answer at all during the drain
  | {
      kind: "shown";
      status: string;
      output: unknown;
      /** `metrics.predict_time` in seconds, when shown. */
      predictTimeS: number | null;
      startedAt: string | null;
      completedAt: string | null;
      /** The prediction's `error`, when it has one. */
      error?: unknown;
    };

/** What billing holds of one prediction. */
export interface Billed {
  /** Predict usage messages on the `USAGE` stream with this prediction id. */
  usageMessages: number;
  /** Its line items' `ms`, one entry per line item. */
  lineItemMs: number[];
}

export interface Observation {
  id: string;
  tokens: number;
  final: Final;
  billed: Billed;
}

export interface Tally {
  creates: number;
  accepted: number;
  refused: number;
  /** Refusals by reason (`503`, `network`, …). */
  refusedBy: Record<string, number>;
  lost: number;
  stuck: number;
  ranTwice: number;
  /** Σ billed predict ms − Σ `metrics.predict_time` shown (ms). */
  billedMinusShownMs: number;
  /** Σ over predictions of the billed ms beyond `completed_at − started_at` (all of it when never started). */
  billedBeyondModelMs: number;
  /** Ids of the predictions in each bad column (for the report). */
  examples: { lost: string[]; stuck: string[]; ranTwice: string[]; overbilled: string[]; misbilled: string[] };
  statuses: Record<string, number>;
}

const TERMINAL = new Set(["succeeded", "failed", "canceled", "aborted"]);
export const isTerminal = (status: string) => TERMINAL.has(status);

/**
 * Counts what the run found. A prediction "ran twice" when billing saw more than one usage message
 * or line item for it, or when it succeeded with any output but the exact tokens it asked for.
 */
export function tally(outcomes: readonly CreateOutcome[], observations: readonly Observation[]): Tally {
  const t: Tally = {
    creates: outcomes.length,
    accepted: 0,
    refused: 0,
    refusedBy: {},
    lost: 0,
    stuck: 0,
    ranTwice: 0,
    billedMinusShownMs: 0,
    billedBeyondModelMs: 0,
    examples: { lost: [], stuck: [], ranTwice: [], overbilled: [], misbilled: [] },
    statuses: {},
  };
  for (const o of outcomes) {
    if (o.kind === "accepted") t.accepted++;
    else {
      t.refused++;
      t.refusedBy[o.reason] = (t.refusedBy[o.reason] ?? 0) + 1;
    }
  }
  for (const ob of observations) {
    const billedMs = ob.billed.lineItemMs.reduce((a, b) => a + b, 0);
    t.billedMinusShownMs += billedMs;
    const f = ob.final;
    if (f.kind === "unknown") {
      t.lost++;
      t.examples.lost.push(ob.id);
    } else if (f.kind === "unanswered" || !isTerminal(f.status)) {
      t.stuck++;
      t.examples.stuck.push(ob.id);
    }
    if (f.kind === "shown") t.statuses[f.status] = (t.statuses[f.status] ?? 0) + 1;
    const shownMs = f.kind === "shown" && f.predictTimeS !== null ? Math.round(f.predictTimeS * 1000) : 0;
    t.billedMinusShownMs -= shownMs;
    if (billedMs !== shownMs) t.examples.misbilled.push(ob.id);
    const duplicatedOutput =
      f.kind === "shown" &&
      f.status === "succeeded" &&
      JSON.stringify(f.output) !== JSON.stringify(expectedOutput(ob.tokens));
    if (ob.billed.usageMessages > 1 || ob.billed.lineItemMs.length > 1 || duplicatedOutput) {
      t.ranTwice++;
      t.examples.ranTwice.push(ob.id);
    }
    const modelMs =
      f.kind === "shown" && f.startedAt && f.completedAt
        ? Math.max(0, Date.parse(f.completedAt) - Date.parse(f.startedAt))
        : 0;
    if (billedMs > modelMs) {
      t.billedBeyondModelMs += billedMs - modelMs;
      t.examples.overbilled.push(ob.id);
    }
  }
  return t;
}

export const TABLE_HEADER =
  "| run | creates | accepted | refused | lost | stuck | ran twice | billed − shown (ms) | billed beyond model time (ms) |";

/** One markdown row of the results table. */
export function tableRow(label: string, t: Tally): string {
  const refused = Object.entries(t.refusedBy)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ");
  const cells = [
    label,
    t.creates,
    t.accepted,
    refused ? `${t.refused} (${refused})` : t.refused,
    t.lost,
    t.stuck,
    t.ranTwice,
    t.billedMinusShownMs,
    t.billedBeyondModelMs,
  ];
  return `| ${cells.join(" | ")} |`;
}

/** The results table: header, separator and one row per run. */
export function renderTable(rows: readonly { label: string; tally: Tally }[]): string {
  const sep = `|${TABLE_HEADER.split("|")
    .slice(1, -1)
    .map(() => "---")
    .join("|")}|`;
  return [TABLE_HEADER, sep, ...rows.map((r) => tableRow(r.label, r.tally))].join("\n");
}

/**
 * When creates were refused: consecutive refusals (no accepted create between them) as
 * `+a–b s: n × reason` lines, in order — each window should sit on a fault.
 */
export function refusalWindows(outcomes: readonly CreateOutcome[]): string[] {
  const lines: string[] = [];
  let run: { from: number; to: number; reasons: Record<string, number> } | null = null;
  const flush = () => {
    if (!run) return;
    const reasons = Object.entries(run.reasons)
      .map(([k, v]) => `${v} × ${k}`)
      .join(", ");
    lines.push(`+${(run.from / 1000).toFixed(1)}–${(run.to / 1000).toFixed(1)} s: ${reasons}`);
    run = null;
  };
  for (const o of outcomes) {
    if (o.kind === "accepted") {
      flush();
      continue;
    }
    run ??= { from: o.atMs, to: o.atMs, reasons: {} };
    run.to = o.atMs;
    run.reasons[o.reason] = (run.reasons[o.reason] ?? 0) + 1;
  }
  flush();
  return lines;
}

/** The schedule as lines for the log: `+12.3 s  kill scheduler (down 0.8 s)`. */
export function describeSchedule(faults: readonly Fault[]): string[] {
  return faults.map(
    (f) => `+${(f.atMs / 1000).toFixed(1)} s  kill -9 ${f.target} (down ${(f.downMs / 1000).toFixed(1)} s)`,
  );
}
