/** Percentile of a sample (nearest rank), in the sample's unit. */
export function percentile(sample: number[], p: number): number {
  if (sample.length === 0) return Number.NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export interface Row {
  what: string;
  concurrency: number;
  n: number;
  p50: number;
  p99: number;
  perSecond: number;
}

/** Runs `op` `n` times with `concurrency` in flight; latencies in ms. */
export async function measure(what: string, n: number, concurrency: number, op: () => Promise<void>): Promise<Row> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const s = performance.now();
        await op();
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    what,
    concurrency,
    n,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    perSecond: n / seconds,
  };
}

export function table(title: string, rows: Row[]): string {
  const lines = [
    `### ${title}`,
    "",
    "| what | concurrency | n | p50 ms | p99 ms | per second |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.what} | ${r.concurrency} | ${r.n} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${Math.round(r.perSecond)} |`,
    ),
    "",
  ];
  return lines.join("\n");
}
