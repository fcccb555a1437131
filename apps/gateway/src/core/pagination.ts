import { AppError } from "@gantry/contracts/errors";

/** Page size of every list endpoint (reference §1.5). */
export const PAGE_SIZE = 100;

/** A list item's place in newest-first order: its creation time, then its id. */
export interface Position {
  t: string;
  id: string;
}

export interface Page<T> {
  next: string | null;
  previous: string | null;
  results: T[];
}

/** Opaque cursor: base64url of the position it stands for and which way it reads. */
export function encodeCursor(pos: Position, dir: "next" | "previous"): string {
  const text = JSON.stringify({ ...pos, d: dir === "next" ? "n" : "p" });
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: string): Position & { dir: "next" | "previous" } {
  try {
    const text = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const v = JSON.parse(text) as { t?: unknown; id?: unknown; d?: unknown };
    if (typeof v.t === "string" && typeof v.id === "string" && (v.d === "n" || v.d === "p")) {
      return { t: v.t, id: v.id, dir: v.d === "n" ? "next" : "previous" };
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError("BAD_REQUEST", "The cursor is not valid; use the next or previous URL of a list response.", {
    title: "Invalid cursor",
  });
}

/** Newest first: later `t` first, then larger id first. */
export function compareNewestFirst(a: Position, b: Position): number {
  if (a.t !== b.t) return a.t < b.t ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * One page of `items` (any order) in newest-first order, after or before the cursor, with
 * absolute `next`/`previous` URLs built by `urlFor(cursor)`.
 */
export function paginate<T extends Position>(
  items: readonly T[],
  cursor: string | undefined,
  urlFor: (cursor: string) => string,
  size = PAGE_SIZE,
): Page<T> {
  const sorted = [...items].sort(compareNewestFirst);
  let start = 0;
  let end = Math.min(size, sorted.length);
  if (cursor) {
    const c = decodeCursor(cursor);
    if (c.dir === "next") {
      start = sorted.findIndex((x) => compareNewestFirst(x, c) > 0);
      if (start < 0) start = sorted.length;
      end = Math.min(start + size, sorted.length);
    } else {
      end = sorted.findIndex((x) => compareNewestFirst(x, c) >= 0);
      if (end < 0) end = sorted.length;
      start = Math.max(0, end - size);
    }
  }
  const results = sorted.slice(start, end);
  const first = results[0];
  const last = results.at(-1);
  return {
    next: last && end < sorted.length ? urlFor(encodeCursor({ t: last.t, id: last.id }, "next")) : null,
    previous: first && start > 0 ? urlFor(encodeCursor({ t: first.t, id: first.id }, "previous")) : null,
    results,
  };
}
