/**
 * Canary releases of deployments, as pure functions: which release a prediction goes to, how a
 * finished prediction counts, and when the new release is promoted or rolled back.
 */
import type { ArmStats, Canary, CanaryOutcome, DeploymentRecord } from "@gantry/contracts/deployments";

export const NO_STATS: ArmStats = { predictions: 0, failed: 0, predict_ms: 0 };

/** A share in [0, 100) drawn from an opaque id (FNV-1a): the same id, the same share. */
export function shareOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 100;
}

/** The version a new prediction of the deployment runs: the canary's for `percent` of draws. */
export function versionFor(d: DeploymentRecord, draw: string): string {
  return d.canary && shareOf(draw) < d.canary.percent ? d.canary.version : d.version;
}

/** A finished prediction counted into the arm of its version (`null` when it is neither's, or canceled). */
export function counted(
  c: Canary,
  stableVersion: string,
  p: { version: string; status: string; predictTimeMs: number; createdAt: string },
): Canary | null {
  if (Date.parse(p.createdAt) < Date.parse(c.started_at)) return null;
  const arm = p.version === c.version ? "canary" : p.version === stableVersion ? "stable" : null;
  if (!arm || (p.status !== "succeeded" && p.status !== "failed")) return null;
  const s = c[arm];
  const next: ArmStats = {
    predictions: s.predictions + 1,
    failed: s.failed + (p.status === "failed" ? 1 : 0),
    predict_ms: s.predict_ms + (p.status === "succeeded" ? Math.max(0, Math.round(p.predictTimeMs)) : 0),
  };
  return { ...c, [arm]: next };
}

const rate = (s: ArmStats) => (s.predictions === 0 ? 0 : s.failed / s.predictions);
const meanMs = (s: ArmStats) => {
  const ok = s.predictions - s.failed;
  return ok === 0 ? null : s.predict_ms / ok;
};

export type Verdict = { decided: false } | { decided: true; result: "promoted" | "rolled_back"; reason: string };

/**
 * Differences of mean predict time below this are noise (a 10 ms model measured 8 ms here and
 * 19 ms there): latency alone rolls a canary back only when it is slower by more than this too.
 */
export const LATENCY_FLOOR_MS = 250;

/**
 * Once the canary finished `min_predictions`: rolled back when its failure rate exceeds the
 * current release's by more than the bound, or its mean predict time is more than the bound's
 * multiple of the current one's and slower by over {@link LATENCY_FLOOR_MS} (when both have
 * successes to compare); promoted otherwise.
 */
export function judge(c: Canary): Verdict {
  if (c.canary.predictions < c.min_predictions) return { decided: false };
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const failures = rate(c.canary) - rate(c.stable);
  if (failures > c.max_failure_rate_increase) {
    return {
      decided: true,
      result: "rolled_back",
      reason: `failure rate ${pct(rate(c.canary))} against ${pct(rate(c.stable))} (bound +${pct(c.max_failure_rate_increase)})`,
    };
  }
  const mine = meanMs(c.canary);
  const theirs = meanMs(c.stable);
  if (
    mine !== null &&
    theirs !== null &&
    theirs > 0 &&
    mine / theirs > c.max_latency_ratio &&
    mine - theirs > LATENCY_FLOOR_MS
  ) {
    return {
      decided: true,
      result: "rolled_back",
      reason: `mean predict time ${Math.round(mine)} ms against ${Math.round(theirs)} ms (bound ×${c.max_latency_ratio})`,
    };
  }
  return {
    decided: true,
    result: "promoted",
    reason: `${c.canary.predictions} predictions within bounds (failure rate ${pct(rate(c.canary))}, current ${pct(rate(c.stable))})`,
  };
}

/** The deployment after a verdict: promoted (a new release of the canary's version) or rolled back. */
export function settle(
  d: DeploymentRecord,
  verdict: { result: CanaryOutcome["result"]; reason: string },
  at: Date,
): DeploymentRecord {
  const c = d.canary;
  if (!c) return d;
  const outcome: CanaryOutcome = {
    version: c.version,
    result: verdict.result,
    reason: verdict.reason,
    at: at.toISOString(),
    stable: c.stable,
    canary: c.canary,
  };
  const promoted = verdict.result === "promoted";
  return {
    ...d,
    canary: null,
    last_canary: outcome,
    ...(promoted ? { version: c.version, release: d.release + 1, release_created_at: at.toISOString() } : {}),
  };
}
