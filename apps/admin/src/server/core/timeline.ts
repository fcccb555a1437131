import { z } from "zod";

/** One billed prediction, as the spend charts need it. */
export interface SpendPoint {
  at: number;
  account: string;
  hardware: string;
  model: string;
  nano: number;
}

export const TimelineGroup = z.enum(["hardware", "model", "account"]);
export type TimelineGroup = z.infer<typeof TimelineGroup>;

/** `usage.timeline` input: a window ending now, cut into equal buckets. */
export const TimelineQuery = z.object({
  group: TimelineGroup.default("hardware"),
  /** How far back, in hours. */
  hours: z
    .number()
    .min(1 / 60)
    .max(24 * 90)
    .default(24),
  buckets: z.number().int().min(1).max(500).default(24),
});
export type TimelineQuery = z.infer<typeof TimelineQuery>;

export interface Timeline {
  /** Start of each bucket, ms since the epoch. */
  starts: number[];
  bucket_ms: number;
  /** Nano-dollars per bucket for each group key, biggest total first. */
  series: { key: string; values: number[]; total_nano: number }[];
}

/** Spend per bucket and group over `[now - hours, now)`; points outside are left out. */
export function buildTimeline(points: Iterable<SpendPoint>, q: TimelineQuery, now: number): Timeline {
  const span = q.hours * 3_600_000;
  const bucketMs = Math.max(1, Math.ceil(span / q.buckets));
  const from = now - bucketMs * q.buckets;
  const starts = Array.from({ length: q.buckets }, (_, i) => from + i * bucketMs);
  const byKey = new Map<string, number[]>();
  for (const p of points) {
    if (p.at < from || p.at >= now) continue;
    const i = Math.min(q.buckets - 1, Math.floor((p.at - from) / bucketMs));
    const key = p[q.group];
    let values = byKey.get(key);
    if (!values) {
      values = new Array<number>(q.buckets).fill(0);
      byKey.set(key, values);
    }
    values[i] = (values[i] ?? 0) + p.nano;
  }
  const series = [...byKey.entries()]
    .map(([key, values]) => ({ key, values, total_nano: values.reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.total_nano - a.total_nano || a.key.localeCompare(b.key));
  return { starts, bucket_ms: bucketMs, series };
}
