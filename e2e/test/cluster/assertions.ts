import { expect } from "vitest";
import { refusalWindows } from "../chaos/core.ts";
import type { ClusterRunResult } from "./run.ts";

/** What every cluster run must show; `context` explains a failure. */
export function expectClusterHeld(r: ClusterRunResult, log: readonly string[], o: { maxSilenceMs: number }): void {
  const t = r.tally;
  const slowest = [...r.probes].sort((a, b) => b.ms - a.ms).slice(0, 3);
  const context = [
    ...log,
    ...refusalWindows(r.outcomes).map((l) => `refused ${l}`),
    JSON.stringify({ statuses: t.statuses, refusedBy: t.refusedBy, examples: t.examples }),
    `slowest probes: ${JSON.stringify(slowest)}; longest silence ${r.longestSilenceMs} ms`,
    `steps: ${JSON.stringify(r.stepMs)}`,
    JSON.stringify(r.behind),
  ].join("\n");
  // The load ran and nothing crashed by itself.
  expect(t.accepted, context).toBeGreaterThan(0);
  expect(r.crashed, context).toEqual([]);
  // Every accepted prediction ended, none forgotten, none run twice.
  expect({ lost: t.lost, stuck: t.stuck, ranTwice: t.ranTwice }, context).toEqual({ lost: 0, stuck: 0, ranTwice: 0 });
  // Billing charged exactly the predict time the API shows, and nothing beyond the model's time.
  expect(t.billedMinusShownMs, context).toBe(0);
  expect(t.billedBeyondModelMs, context).toBe(0);
  // The API kept answering through a gateway in service.
  expect(r.longestSilenceMs, context).toBeLessThan(o.maxSilenceMs);
  // Each NATS node that was stopped holds every stream and bucket again.
  for (const [node, behind] of Object.entries(r.behind))
    expect({ node, behind }, context).toEqual({ node, behind: [] });
}
