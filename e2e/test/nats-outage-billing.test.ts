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
  p = await startPlatform();
});
afterAll(async () => {
  await p?.close();
});

async function until<T>(what: string, get: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get().catch(() => undefined);
    if (v !== undefined && done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("NATS killed (-9) and restarted while a prediction runs", () => {
  it("the prediction ends, and billing's ledger holds exactly its predict time", async () => {
    const created = await p.replicate.predictions.create({
      model: "gantry/test",
      input: { tokens: 20, token_delay_ms: 150 },
    });
    await until(
      "output to be stored",
      () => p.replicate.predictions.get(created.id),
      (r) => Array.isArray(r.output) && r.output.length >= 2,
    );
    await p.nats.kill();
    await p.nats.restart();
    const ended = await until(
      "the prediction to end",
      () => p.replicate.predictions.get(created.id),
      (r: Prediction) => r.status !== "starting" && r.status !== "processing",
    );
    expect(ended.status).toBe("succeeded");
    const ms = Math.round((ended.metrics?.predict_time ?? -1) * 1000);
    const billed = await until(
      "the prediction to be billed",
      async () => {
        const kv = await new Kvm(p.nc).open(BUCKETS.lineItems);
        const out: number[] = [];
        for (const key of await listKeys(kv)) {
          const entry = await kv.get(key);
          if (entry?.operation !== "PUT") continue;
          for (const item of decode(LineItemChunk, entry.value, "line items").items) {
            if (item.prediction_id === created.id) out.push(item.ms);
          }
        }
        return out;
      },
      (b) => b.length > 0,
    );
    expect(billed).toEqual([ms]);
  }, 180_000);
});
