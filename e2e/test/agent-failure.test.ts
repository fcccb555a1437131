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

describe("an agent killed with -9 mid-run", () => {
  it("fails its running prediction with a clear error, and the platform keeps serving", async () => {
    const created = await p.replicate.predictions.create({ model: "gantry/test", input: { sleep_ms: 60_000 } });
    let running: Prediction = created;
    for (let i = 0; i < 100 && running.status !== "processing"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      running = await p.replicate.predictions.get(created.id);
    }
    expect(running.status).toBe("processing");
    const owner = await whoRuns(created.id);
    await p.stack.kill(owner);
    let ended = running;
    for (let i = 0; i < 100 && ended.status === "processing"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ended = await p.replicate.predictions.get(created.id);
    }
    expect(ended.status).toBe("failed");
    expect(ended.error).toMatch(new RegExp(`^The agent running this prediction \\(${owner}\\) stopped responding`));
    // The surviving agent takes new work.
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
