import { BUCKETS } from "@gantry/contracts/subjects";
import type { Prediction } from "replicate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

let p: Platform;
beforeAll(async () => {
  // Two agents; one that misses heartbeats for 2 s is considered dead.
  p = await startPlatform("r8_e2e_dev_token", {
    agents: 2,
    env: { GANTRY_AGENT_STALE_MS: "2000", GANTRY_HEARTBEAT_MS: "250" },
  });
});
afterAll(async () => {
  await p?.close();
});

describe("an agent killed with -9 mid-run (the failure contract)", () => {
  it("a prediction with no output yet runs again on another instance and succeeds, showing the run that did", async () => {
    const created = await p.replicate.predictions.create({
      model: "gantry/test",
      input: { sleep_ms: 3000, tokens: 2 },
    });
    let running: Prediction = created;
    for (let i = 0; i < 100 && running.status !== "processing"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      running = await p.replicate.predictions.get(created.id);
    }
    expect(running.status).toBe("processing");
    const owner = await whoRuns(created.id);
    await p.stack.kill(owner);
    let ended = running;
    for (let i = 0; i < 300 && !["succeeded", "failed", "canceled"].includes(ended.status); i++) {
      await new Promise((r) => setTimeout(r, 100));
      ended = await p.replicate.predictions.get(created.id);
    }
    expect(ended.status).toBe("succeeded");
    expect(ended.output).toEqual(["tok0", " tok1"]);
    // The run that succeeded is the one shown and billed: about the model's 3 s, not the lost attempt's.
    expect(ended.metrics?.predict_time).toBeGreaterThanOrEqual(3);
    expect(ended.metrics?.predict_time).toBeLessThan(6);
    await p.stack.restart(owner);
  });

  it("a prediction that had output fails with a clear error, is not billed, and the platform keeps serving", async () => {
    const created = await p.replicate.predictions.create({
      model: "gantry/test",
      input: { tokens: 1000, token_delay_ms: 100 },
    });
    let running: Prediction = created;
    for (let i = 0; i < 100 && !((running.output as string[] | null)?.length ?? 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      running = await p.replicate.predictions.get(created.id);
    }
    const owner = await whoRuns(created.id);
    await p.stack.kill(owner);
    let ended = running;
    for (let i = 0; i < 100 && ended.status === "processing"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ended = await p.replicate.predictions.get(created.id);
    }
    expect(ended.status).toBe("failed");
    expect(ended.error).toMatch(new RegExp(`^The agent running this prediction \\(${owner}\\) stopped responding`));
    expect(ended.metrics?.predict_time ?? 0).toBe(0);
    // The surviving agent takes new work; the killed one comes back.
    await p.stack.restart(owner);
    const output = await p.replicate.run("gantry/test", { input: { tokens: 2 } });
    expect(output).toEqual(["tok0", " tok1"]);
  });
});

/** The agent a prediction runs on, from its placement record. */
async function whoRuns(id: string): Promise<string> {
  const { Kvm } = await import("@nats-io/kv");
  const kv = await new Kvm(p.nc).open(BUCKETS.placements);
  for await (const key of await kv.keys(`*.${id}`)) return key.split(".")[0]!;
  throw new Error(`no placement for ${id}`);
}
