/**
 * When a version's server may boot again after boots that failed: each failure in a row doubles
 * the wait (1 s, 2 s, 4 s … up to a cap), and after `maxFailures` in a row the version is
 * unavailable for a longer while. A boot that succeeds forgets it all. Times are epoch ms.
 */
export interface BackoffPolicy {
  /** The wait after the first failure. */
  baseMs: number;
  /** The longest wait between two boots while fewer than `maxFailures` failed in a row. */
  capMs: number;
  /** Failed boots in a row after which the version is unavailable for `unavailableMs`. */
  maxFailures: number;
  unavailableMs: number;
}

export const DEFAULT_BOOT_BACKOFF: BackoffPolicy = {
  baseMs: 1000,
  capMs: 30_000,
  maxFailures: 5,
  unavailableMs: 60_000,
};

/** A version whose boots failed: how many in a row, the last error, and when it may boot again. */
export interface BootFailures {
  failures: number;
  error: string;
  /** No boot before this time. */
  until: number;
}

/** The state after one more failed boot at `at`. */
export function afterFailure(
  prev: BootFailures | undefined,
  at: number,
  error: string,
  policy: BackoffPolicy,
): BootFailures {
  const failures = (prev?.failures ?? 0) + 1;
  const wait =
    failures >= policy.maxFailures
      ? policy.unavailableMs
      : Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(failures - 1, 30));
  return { failures, error, until: at + wait };
}

/** Whether the version must wait at `at` (null: it may boot; its next failure counts on). */
export function heldUntil(state: BootFailures | undefined, at: number): number | null {
  return state && at < state.until ? state.until : null;
}

/** Why a prediction of a held version fails at once, with the last boot's error. */
export function holdMessage(state: BootFailures, at: number, policy: BackoffPolicy): string {
  const s = Math.max(1, Math.ceil((state.until - at) / 1000));
  const n = state.failures;
  const why =
    n >= policy.maxFailures
      ? `The version is unavailable on this agent for ${s} s more: its last ${n} boots failed in a row.`
      : `Its server failed to boot ${n === 1 ? "once" : `${n} times in a row`}; the next boot is in ${s} s.`;
  return `${why} Last boot error: ${state.error}`;
}
