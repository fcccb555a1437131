import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refusalWindows } from "../chaos/core.ts";
import { expectClusterHeld } from "./assertions.ts";
import { type ClusterPlatform, startClusterPlatform } from "./platform.ts";
import { runCluster, type Step } from "./run.ts";

/**
 * `npm run test:cluster`: an upgrade without downtime, as docs/operations.md orders it. Under
 * steady load, every copy of every service is stopped politely (SIGTERM), started again and waited
 * for, one at a time; then each NATS node the same way, each caught up before the next.
 */
let p: ClusterPlatform;
beforeAll(async () => {
  p = await startClusterPlatform();
}, 240_000);
afterAll(async () => {
  await p?.close();
});

const ROLLING_ORDER: readonly string[] = [
  "n1",
  "n2",
  "n3",
  "billing-0",
  "billing-1",
  "scheduler-0",
  "scheduler-1",
  "agent-0",
  "agent-1",
  "gateway-0",
  "gateway-1",
];

describe("cluster: rolling restart of every NATS node and every service copy under load", () => {
  it("fails nothing, loses nothing, runs nothing twice and bills exactly", async () => {
    const steps: Step[] = ROLLING_ORDER.map((target) => ({ action: "restart", target }));
    const log: string[] = [];
    const r = await runCluster(p, {
      durationMs: 30_000,
      rate: 2,
      seed: 77,
      gapMs: 1000,
      steps,
      drainMs: 120_000,
      log: (line) => {
        log.push(line);
        process.stderr.write(`[rolling] ${line}\n`);
      },
    });
    process.stderr.write(
      `[rolling] ${JSON.stringify({ tally: { ...r.tally, examples: undefined }, longestSilenceMs: r.longestSilenceMs, steps: r.stepMs })}\n`,
    );
    expectClusterHeld(r, log, { maxSilenceMs: 15_000 });
    // A polite restart fails nothing: every prediction succeeded, and no create was refused.
    const failures = r.observations.flatMap((o) =>
      o.final.kind === "shown" && o.final.status !== "succeeded"
        ? [`${o.id} ${o.final.status}: ${JSON.stringify(o.final.error)}`]
        : [],
    );
    const context = [...log, ...refusalWindows(r.outcomes).map((l) => `refused ${l}`), ...failures].join("\n");
    expect(r.tally.statuses, context).toEqual({ succeeded: r.tally.accepted });
    expect(r.tally.refused, context).toBe(0);
  }, 1_200_000);
});
