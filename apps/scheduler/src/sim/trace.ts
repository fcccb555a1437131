/** One prediction of a trace: when it was created, of which model, how long it runs, and its model's cold boot. */
export interface TraceRow {
  arrivalMs: number;
  model: string;
  predictMs: number;
  /** That model's cold-boot time (launch to ready). */
  bootMs: number;
  hardware: string;
}

/** Hardware of rows whose trace has no `hardware` column. */
export const DEFAULT_HARDWARE = "gpu-l40s";

const REQUIRED = ["arrival_ms", "model", "predict_ms", "boot_ms"] as const;

/**
 * Reads a trace: CSV with a header naming at least `arrival_ms,model,predict_ms,boot_ms` (and
 * optionally `hardware`), in any order; one prediction a line. Rows are returned in arrival order
 * (ties keep the file's order). Throws on a malformed line, naming it.
 */
export function parseTrace(text: string): TraceRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = (lines[0] ?? "").split(",").map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  for (const name of REQUIRED) if (col(name) < 0) throw new Error(`trace header lacks "${name}"`);
  const [a, m, p, b, h] = [col("arrival_ms"), col("model"), col("predict_ms"), col("boot_ms"), col("hardware")];
  const rows = lines.slice(1).map((line, i) => {
    const f = line.split(",").map((x) => x.trim());
    const num = (k: number, name: string) => {
      const v = Number(f[k]);
      if (f[k] === "" || !Number.isFinite(v) || v < 0) throw new Error(`trace line ${i + 2}: bad ${name} "${f[k]}"`);
      return Math.round(v);
    };
    const model = f[m] ?? "";
    if (model === "") throw new Error(`trace line ${i + 2}: no model`);
    return {
      arrivalMs: num(a, "arrival_ms"),
      model,
      predictMs: num(p, "predict_ms"),
      bootMs: num(b, "boot_ms"),
      hardware: (h >= 0 ? f[h] : undefined) || DEFAULT_HARDWARE,
    };
  });
  return rows
    .map((r, i) => ({ r, i }))
    .sort((x, y) => x.r.arrivalMs - y.r.arrivalMs || x.i - y.i)
    .map(({ r }) => r);
}

/** Writes rows in the trace format (with the `hardware` column). */
export function formatTrace(rows: readonly TraceRow[]): string {
  const lines = rows.map((r) => `${r.arrivalMs},${r.model},${r.predictMs},${r.bootMs},${r.hardware}`);
  return `arrival_ms,model,predict_ms,boot_ms,hardware\n${lines.join("\n")}\n`;
}
