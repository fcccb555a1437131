import { describe, expect, it } from "vitest";
import { afterFailure, type BackoffPolicy, type BootFailures, heldUntil, holdMessage } from "./boot-backoff.ts";

const policy: BackoffPolicy = { baseMs: 1000, capMs: 5000, maxFailures: 5, unavailableMs: 60_000 };

/** `n` failures in a row, each at the moment the previous wait ended. */
function failTimes(n: number): BootFailures[] {
  const out: BootFailures[] = [];
  let state: BootFailures | undefined;
  for (let i = 0; i < n; i++) {
    state = afterFailure(state, state?.until ?? 0, `boom ${i + 1}`, policy);
    out.push(state);
  }
  return out;
}

describe("boot back-off", () => {
  it("doubles the wait after each failure in a row, up to the cap", () => {
    const waits = failTimes(4).map((s, i, all) => s.until - (all[i - 1]?.until ?? 0));
    expect(waits).toEqual([1000, 2000, 4000, 5000]);
  });

  it("marks the version unavailable for the long window after maxFailures in a row, and again after each later failure", () => {
    const [, , , fourth, fifth, sixth] = failTimes(6);
    expect(fifth?.failures).toBe(5);
    expect((fifth?.until ?? 0) - (fourth?.until ?? 0)).toBe(60_000);
    expect((sixth?.until ?? 0) - (fifth?.until ?? 0)).toBe(60_000);
  });

  it("holds boots until the wait ends, then lets one through", () => {
    const state = afterFailure(undefined, 10_000, "refused", policy);
    expect(heldUntil(state, 10_500)).toBe(11_000);
    expect(heldUntil(state, 11_000)).toBeNull();
    expect(heldUntil(undefined, 10_500)).toBeNull();
  });

  it("says how long the hold lasts and what the last boot said", () => {
    const once = afterFailure(undefined, 0, "The model server at http://x is not reachable.", policy);
    expect(holdMessage(once, 200, policy)).toBe(
      "Its server failed to boot once; the next boot is in 1 s. Last boot error: The model server at http://x is not reachable.",
    );
    const fifth = failTimes(5).at(-1);
    if (!fifth) throw new Error("no state");
    expect(holdMessage(fifth, fifth.until - 30_000, policy)).toMatch(
      /^The version is unavailable on this agent for 30 s more: its last 5 boots failed in a row\. Last boot error: boom 5$/,
    );
  });
});
