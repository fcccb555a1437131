import { AgentHeartbeat } from "@gantry/contracts/agents";
import { BUCKETS } from "@gantry/contracts/subjects";
import { decode } from "@gantry/platform/codec";
import { Kvm } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

let p: Platform;
beforeAll(async () => {
  // Idle model servers stop after 1.5 s unless a deployment keeps them warm.
  p = await startPlatform("r8_e2e_dev_token", { env: { GANTRY_IDLE_STOP_MS: "1500", GANTRY_HEARTBEAT_MS: "250" } });
});
afterAll(async () => {
  await p?.close();
});

async function instancesOf(version: string): Promise<number> {
  const kv = await new Kvm(p.nc).open(BUCKETS.agents);
  let n = 0;
  for await (const key of await kv.keys()) {
    const entry = await kv.get(key);
    if (entry?.operation !== "PUT") continue;
    const hb = decode(AgentHeartbeat, entry.value, "heartbeat");
    n += hb.instances.filter((i) => i.version_id === version && i.state === "ready").length;
  }
  return n;
}

async function until(what: string, check: () => Promise<boolean>, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("capacity follows deployments and demand", () => {
  it("min_instances boots a warm server with no prediction; back to 0, the idle server stops", async () => {
    const version = p.stack.versions["gantry/text-stream"]!;
    expect(await instancesOf(version)).toBe(0);
    await p.replicate.deployments.create({
      name: "warm-text",
      model: "gantry/text-stream",
      version,
      hardware: "cpu",
      min_instances: 1,
      max_instances: 2,
    });
    await until("a warm instance", async () => (await instancesOf(version)) === 1);
    // Kept warm well past the idle window while the deployment wants it.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await instancesOf(version)).toBe(1);
    await p.replicate.deployments.update("dev", "warm-text", { min_instances: 0 });
    await until("scale to zero", async () => (await instancesOf(version)) === 0);
  });

  it("a model used once scales back to zero after the idle window", async () => {
    const version = p.stack.versions["gantry/test"]!;
    await p.replicate.run("gantry/test", { input: { tokens: 1 } });
    await until("the instance in a heartbeat", async () => (await instancesOf(version)) === 1);
    await until("scale to zero", async () => (await instancesOf(version)) === 0);
  });
});
