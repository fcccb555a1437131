import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectClusterHeld } from "./assertions.ts";
import { type ClusterPlatform, startClusterPlatform } from "./platform.ts";
import { runCluster } from "./run.ts";

/**
 * The bounded cluster run of `npm test` (`npm run test:cluster` runs longer ones): three NATS
 * nodes with every stream and bucket R3, two gateways, schedulers, billing processes and agents.
 * Under steady creates through both gateways (the official client), one NATS node, one gateway,
 * one scheduler and one agent are each killed with -9 in turn and started again.
 */
let p: ClusterPlatform;
beforeAll(async () => {
  p = await startClusterPlatform();
}, 240_000);
afterAll(async () => {
  await p?.close();
});

describe("cluster: kill -9 of a NATS node, a gateway, a scheduler and an agent under load", () => {
  it("loses nothing, runs nothing twice, bills exactly, keeps answering, and the node catches up", async () => {
    const log: string[] = [];
    const r = await runCluster(p, {
      durationMs: 20_000,
      rate: 2,
      seed: 16,
      gapMs: 3000,
      steps: [
        { action: "kill", target: "n1", downMs: 2000 },
        { action: "kill", target: "gateway-1", downMs: 1000 },
        { action: "kill", target: "scheduler-0", downMs: 1000 },
        { action: "kill", target: "agent-0", downMs: 1000 },
      ],
      drainMs: 90_000,
      log: (line) => log.push(line),
    });
    if (process.env.GANTRY_E2E_LOG)
      process.stderr.write(
        `[cluster] ${JSON.stringify({ tally: { ...r.tally, examples: undefined }, longestSilenceMs: r.longestSilenceMs, steps: r.stepMs })}\n`,
      );
    expectClusterHeld(r, log, { maxSilenceMs: 15_000 });
    // Both gateways answered the API during the run.
    expect(new Set(r.probes.filter((pr) => pr.ok).map((pr) => pr.gateway)).size).toBe(2);
  }, 400_000);
});
