/** Display helpers. */
export const shortId = (id: string) => id.slice(0, 10);

export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return "—";
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return new Date(iso).toLocaleString();
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
}

export const seconds = (s: number | null | undefined) => (s === null || s === undefined ? "—" : duration(s * 1000));

/** Dollars of nano-dollars for reading: two decimals, or two significant digits below a cent. */
export function dollars(nano: number): string {
  const d = nano / 1e9;
  if (d === 0 || d >= 0.01) return `$${d.toFixed(2)}`;
  return `$${d.toFixed(Math.min(9, Math.ceil(-Math.log10(d)) + 1))}`;
}

export const percent = (r: number) => `${Math.round(r * 100)}%`;

/** A count on a chart axis: whole numbers as they are, halves with one decimal. */
export const count = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
