import type { Figures, Summary } from "./metrics.ts";

/** One row of the summary table: a policy's run on a trace. */
export interface ReportRow {
  trace: string;
  policy: string;
  summary: Summary;
  /** The trace's median cold boot (over its models): the p99 wait target. */
  medianBootMs: number;
  baseline: Figures;
}

/** Whether a run meets the capacity target: ≥ 70% utilization, p99 wait under one median boot, better than the baseline on both. */
export function meetsTarget(r: ReportRow): boolean {
  const s = r.summary;
  return (
    s.utilization >= 0.7 &&
    s.p99_wait_ms < r.medianBootMs &&
    s.utilization > r.baseline.utilization &&
    s.p99_wait_ms < r.baseline.p99_wait_ms
  );
}

/** A plain-text table: columns padded, numbers right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const width = header.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, k) => (k < 2 ? c.padEnd(width[k] ?? 0) : c.padStart(width[k] ?? 0))).join("  ");
  return [line(header), line(width.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

export function summaryTable(rows: readonly ReportRow[]): string {
  return table(
    [
      "trace",
      "policy",
      "predictions",
      "util",
      "p50 wait",
      "p99 wait",
      "median boot",
      "cold boots",
      "evictions",
      "peak inst",
      "instance-s",
      "booting",
      "idle to stop",
      "to trim",
      "to evict",
      "failed",
      "target",
    ],
    rows.map((r) => [
      r.trace,
      r.policy,
      String(r.summary.predictions),
      percent(r.summary.utilization),
      seconds(r.summary.p50_wait_ms),
      seconds(r.summary.p99_wait_ms),
      seconds(r.medianBootMs),
      String(r.summary.cold_boots),
      String(r.summary.evictions),
      String(r.summary.peak_instances),
      r.summary.instance_seconds.toFixed(0),
      percent(r.summary.booting_share),
      percent(r.summary.end_idle_shares.idle),
      percent(r.summary.end_idle_shares.trimmed),
      percent(r.summary.end_idle_shares.evicted),
      String(r.summary.failed),
      r.policy === "keepalive" ? "-" : meetsTarget(r) ? "met" : "missed",
    ]),
  );
}
