import type { AccountUsage } from "@gantry/contracts/billing";
import { Registry } from "@gantry/platform/registry";
import { ensureTopology } from "@gantry/platform/topology";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

/** Prices per output (issue 19): set on the model by an operator, billed exactly once in integers. */
let p: Platform;
let registry: Registry;
beforeAll(async () => {
  p = await startPlatform();
  registry = new Registry(await ensureTopology(p.nc));
});
afterAll(async () => {
  await p?.close();
});

async function usageUntil(check: (u: AccountUsage) => boolean): Promise<AccountUsage> {
  let last: AccountUsage | null = null;
  for (let i = 0; i < 200; i++) {
    last = (await (await p.api("/v1/account/usage")).json()) as AccountUsage;
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`usage never matched: ${JSON.stringify(last)}`);
}

describe("prices per output", () => {
  it("a model priced per output token is billed its tokens × price, not its hardware's seconds", async () => {
    await registry.updateModel("gantry", "text-stream", (m) => ({
      ...m,
      price: { unit: "output_token", nano_per_unit: 25_000 },
    }));
    const output = (await p.replicate.run("gantry/text-stream", {
      input: { prompt: "The sea", max_tokens: 7, seed: 1 },
    })) as string[];
    expect(output).toHaveLength(7);
    const usage = await usageUntil((u) => (u.by_unit["gantry/text-stream output_token"]?.units ?? 0) >= 7);
    expect(usage.by_unit["gantry/text-stream output_token"]).toEqual({
      model: "gantry/text-stream",
      unit: "output_token",
      units: 7,
      nano: 175_000,
      usd: "0.000175",
    });
    // Its time is not hardware spend.
    expect(usage.by_hardware).toEqual({});
    expect(usage.total_nano).toBe(175_000);
  });

  it("a per-prediction price charges what succeeded; a price change applies to later creates", async () => {
    await registry.updateModel("gantry", "test", (m) => ({
      ...m,
      price: { unit: "prediction", nano_per_unit: 5_000_000 },
    }));
    await p.replicate.run("gantry/test", { input: { tokens: 1 } });
    const failed = await p.replicate.predictions.create({ model: "gantry/test", input: { tokens: 1, fail: "boom" } });
    for (let i = 0; i < 100; i++) {
      if ((await p.replicate.predictions.get(failed.id)).status === "failed") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    let usage = await usageUntil((u) => u.predictions >= 3);
    expect(usage.by_unit["gantry/test prediction"]).toMatchObject({ units: 1, nano: 5_000_000 });

    await registry.updateModel("gantry", "test", (m) => ({
      ...m,
      price: { unit: "prediction", nano_per_unit: 7_000_000 },
    }));
    // Gateways read models through a 2 s cache: a price change applies to creates after it.
    await new Promise((r) => setTimeout(r, 2100));
    await p.replicate.run("gantry/test", { input: { tokens: 1 } });
    usage = await usageUntil((u) => u.predictions >= 4);
    expect(usage.by_unit["gantry/test prediction"]).toMatchObject({ units: 2, nano: 12_000_000 });
    expect(usage.total_nano).toBe(175_000 + 12_000_000);
  });
});
