import { afterAll, beforeAll, describe, it } from "vitest";
import { expectClusterHeld } from "./assertions.ts";
import { type ClusterPlatform, startClusterPlatform } from "./platform.ts";
import { runCluster, type Step } from "./run.ts";

/**
 * `npm run test:cluster`: the failover run of `failover.test.ts`, longer and with more of it: two
 * rounds, each killing (-9) a different NATS node, each gateway, scheduler and agent in turn, and
 * a billing process. Load: `GANTRY_CLUSTER_LOAD_S` seconds (default 90) at 3 creates/s.
 */
const durationMs = Number(process.env.GANTRY_CLUSTER_LOAD_S ?? 90) * 1000;

let p: ClusterPlatform;
beforeAll(async () => {
  p = await startClusterPlatform();
}, 240_000);
afterAll(async () => {
  await p?.close();
});

describe("cluster: repeated kill -9 of NATS nodes and service copies under load", () => {
  it("loses nothing, runs nothing twice, bills exactly, keeps answering, and every node catches up", async () => {
    const steps: Step[] = [
      { action: "kill", target: "n1", downMs: 3000 },
      { action: "kill", target: "gateway-0", downMs: 2000 },
      { action: "kill", target: "scheduler-1", downMs: 2000 },
      { action: "kill", target: "agent-1", downMs: 2000 },
      { action: "kill", target: "billing-0", downMs: 2000 },
      { action: "kill", target: "n2", downMs: 5000 },
      { action: "kill", target: "gateway-1", downMs: 2000 },
      { action: "kill", target: "scheduler-0", downMs: 2000 },
      { action: "kill", target: "agent-0", downMs: 2000 },
      { action: "kill", target: "billing-1", downMs: 2000 },
      { action: "kill", target: "n3", downMs: 3000 },
    ];
    const log: string[] = [];
    const r = await runCluster(p, {
      durationMs,
      rate: 3,
      seed: 1616,
      gapMs: Math.max(2000, Math.round((durationMs * 0.6) / steps.length)),
      steps,
      drainMs: 120_000,
      log: (line) => {
        log.push(line);
        process.stderr.write(`[cluster] ${line}\n`);
      },
    });
    process.stderr.write(
      `[cluster] ${JSON.stringify({ tally: { ...r.tally, examples: undefined }, longestSilenceMs: r.longestSilenceMs, steps: r.stepMs })}\n`,
    );
    expectClusterHeld(r, log, { maxSilenceMs: 15_000 });
  }, 1_200_000);
});
