import { AppError } from "@gantry/contracts/errors";

/** The shortest `Cancel-After` accepted (reference §3.5). */
export const MIN_CANCEL_AFTER_MS = 5000;

const UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/**
 * `Cancel-After`: `30s`, `5m`, `1h30m45s`, `250ms` or a bare number of seconds; at least 5 s.
 * Returns milliseconds, or `null` when the header is absent.
 */
export function parseCancelAfter(header: string | undefined): number | null {
  if (header === undefined) return null;
  const text = header.trim().toLowerCase();
  const invalid = (why: string) =>
    new AppError(
      "BAD_REQUEST",
      `Cancel-After ${JSON.stringify(header)} ${why}. Use a duration like 30s, 5m or 1h30m (at least 5s).`,
      {
        title: "Invalid Cancel-After",
      },
    );
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) {
    ms = Math.round(Number(text) * 1000);
  } else {
    if (!/^(\d+(\.\d+)?(h|ms|m|s))+$/.test(text)) throw invalid("is not a duration");
    ms = 0;
    for (const m of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)) ms += Number(m[1]) * (UNITS[m[2] ?? "s"] ?? 0);
    ms = Math.round(ms);
  }
  if (!Number.isFinite(ms) || ms > 365 * 24 * 3_600_000) throw invalid("is too long");
  if (ms < MIN_CANCEL_AFTER_MS) throw invalid("is shorter than 5s");
  return ms;
}
