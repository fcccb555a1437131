import { LineItemChunk } from "@gantry/contracts/billing";
import { BUCKETS } from "@gantry/contracts/subjects";
import { decode } from "@gantry/platform/codec";
import { listKeys } from "@gantry/platform/kv-keys";
import { Kvm } from "@nats-io/kv";
import type { Prediction } from "replicate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

let p: Platform;
beforeAll(async () => {
  // One agent, seen dead after 2 s of silence; it kills itself (SIGKILL) right after it stores a
  // prediction's end, before it reports the usage (the agent's test crash point).
  p = await startPlatform("r8_e2e_dev_token", {
    env: {
      GANTRY_AGENT_STALE_MS: "2000",
      GANTRY_HEARTBEAT_MS: "250",
      GANTRY_TEST_CRASH_AFTER_TERMINAL_WRITE: "1",
    },
  });
});
afterAll(async () => {
  await p?.close();
});

async function until<T>(what: string, get: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Billing's line items of one prediction, from its store. */
async function billed(id: string): Promise<number[]> {
  const kv = await new Kvm(p.nc).open(BUCKETS.lineItems);
  const ms: number[] = [];
  for (const key of await listKeys(kv)) {
    const entry = await kv.get(key);
    if (entry?.operation !== "PUT") continue;
    for (const item of decode(LineItemChunk, entry.value, "line items").items) {
      if (item.prediction_id === id) ms.push(item.ms);
    }
  }
  return ms;
}

const ms = (prediction: Prediction) => Math.round((prediction.metrics?.predict_time ?? -1) * 1000);

describe("billing after faults: billed = Σ predict_time", () => {
  it("an agent killed between a prediction's end and its usage report: billed once, its predict time", async () => {
    const created = await p.replicate.predictions.create({
      model: "gantry/test",
      input: { tokens: 3, token_delay_ms: 100 },
    });
    const ended = await until(
      "the prediction to end",
      () => p.replicate.predictions.get(created.id),
      (r) => r.status !== "starting" && r.status !== "processing",
    );
    expect(ended.status).toBe("succeeded");
    expect(ended.output).toEqual(["tok0", " tok1", " tok2"]);
    // Its agent died before reporting usage; the reaper reports it from what the prediction shows.
    const items = await until(
      "the prediction to be billed",
      () => billed(created.id),
      (b) => b.length > 0,
    );
    expect(items).toEqual([ms(ended)]);
    p.stack.restart("agent-0");
  }, 120_000);

  it("an agent killed with -9 mid-prediction after output: failed once, a platform failure billed 0", async () => {
    const created = await p.replicate.predictions.create({
      model: "gantry/test",
      input: { tokens: 1000, token_delay_ms: 100 },
    });
    await until(
      "output to be stored",
      () => p.replicate.predictions.get(created.id),
      (r) => Array.isArray(r.output) && r.output.length >= 3,
    );
    const killedAt = Date.now();
    await p.stack.kill("agent-0");
    const ended = await until(
      "the prediction to end",
      () => p.replicate.predictions.get(created.id),
      (r) => r.status !== "processing",
    );
    expect(ended.status).toBe("failed");
    expect(ended.error).toMatch(/^The agent running this prediction \(agent-0\) stopped responding/);
    // The failure contract: a prediction the platform failed is never billed, and shows no predict time.
    expect(Date.parse(ended.started_at ?? "")).toBeLessThanOrEqual(killedAt);
    expect(ms(ended)).toBe(0);
    const items = await until(
      "the prediction to be billed",
      () => billed(created.id),
      (b) => b.length > 0,
    );
    expect(items).toEqual([ms(ended)]);
  }, 120_000);
});
