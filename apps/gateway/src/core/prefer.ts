/** Longest and default hold for `Prefer: wait` (reference §4). */
export const MAX_WAIT_SECONDS = 60;

/**
 * Parses `Prefer: wait` / `wait=N`. Returns the seconds to hold the request, or `null` for no
 * wait. N is clamped to 1..60; any other preference tokens are ignored.
 */
export function parsePreferWait(header: string | undefined): number | null {
  if (!header) return null;
  for (const token of header.split(",").map((t) => t.trim().toLowerCase())) {
    if (token === "wait") return MAX_WAIT_SECONDS;
    const m = /^wait\s*=\s*(\d+)$/.exec(token);
    if (m) return Math.min(MAX_WAIT_SECONDS, Math.max(1, Number(m[1])));
  }
  return null;
}
