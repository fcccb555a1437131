import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

let p: Platform;
beforeAll(async () => {
  // Up time is reported every half second, so billing of deployments shows within the test.
  p = await startPlatform(undefined, { env: { GANTRY_UPTIME_INTERVAL_MS: "500" } });
});
afterAll(async () => {
  await p?.close();
});

describe("deployments through the official client", () => {
  it("create, get, list, update, run predictions through, delete", async () => {
    const version = p.stack.versions["gantry/test"]!;
    const created = await p.replicate.deployments.create({
      name: "my-test",
      model: "gantry/test",
      version,
      hardware: "cpu",
      min_instances: 0,
      max_instances: 2,
    });
    expect(created).toMatchObject({
      owner: "dev",
      name: "my-test",
      current_release: {
        number: 1,
        model: "gantry/test",
        version,
        created_by: { type: "user", username: "dev" },
        configuration: { hardware: "cpu", min_instances: 0, max_instances: 2 },
      },
    });
    expect(await p.replicate.deployments.get("dev", "my-test")).toEqual(created);
    const list = await p.replicate.deployments.list();
    expect(list.results.map((d) => d.name)).toContain("my-test");

    const updated = await p.replicate.deployments.update("dev", "my-test", { min_instances: 1, max_instances: 3 });
    expect(updated.current_release.number).toBe(2);
    expect(updated.current_release.configuration).toEqual({ hardware: "cpu", min_instances: 1, max_instances: 3 });

    const prediction = await p.replicate.deployments.predictions.create("dev", "my-test", { input: { tokens: 3 } });
    expect(prediction).toMatchObject({ deployment: "dev/my-test", model: "gantry/test", version });
    const done = await p.replicate.wait(prediction, { interval: 50 });
    expect(done.output).toEqual(["tok0", " tok1", " tok2"]);
    const viaWait = await p.replicate.deployments.predictions.create("dev", "my-test", {
      input: { tokens: 1 },
      wait: true,
    } as never);
    expect(viaWait.status).toBe("succeeded");

    expect(await p.replicate.deployments.delete("dev", "my-test")).toBe(true);
    await expect(p.replicate.deployments.get("dev", "my-test")).rejects.toThrow(/404/);
  });

  it("a deployment's instance is billed for its whole up time, idle included", async () => {
    const version = p.stack.versions["gantry/test"]!;
    await p.replicate.deployments.create({
      name: "billed",
      model: "gantry/test",
      version,
      hardware: "cpu",
      min_instances: 0,
      max_instances: 1,
    });
    const done = await p.replicate.deployments.predictions.create("dev", "billed", {
      input: { tokens: 1 },
      wait: true,
    } as never);
    expect(done.status).toBe("succeeded");
    type Usage = { by_deployment: Record<string, { ms: number; nano: number }> };
    const usage = async () => {
      const res = await p.api("/v1/account/usage");
      return ((await res.json()) as Usage).by_deployment["dev/billed"];
    };
    let first: { ms: number; nano: number } | undefined;
    for (let i = 0; i < 100 && !first?.ms; i++) {
      first = await usage();
      if (!first?.ms) await new Promise((r) => setTimeout(r, 100));
    }
    expect(first?.ms).toBeGreaterThan(0);
    expect(first?.nano).toBeGreaterThan(0);
    // Nothing runs now, yet the instance is up: its seconds keep being billed.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await usage())?.ms).toBeGreaterThan(first!.ms);
    await p.replicate.deployments.delete("dev", "billed");
  });

  it("refuses bad configurations with problem details", async () => {
    const version = p.stack.versions["gantry/test"]!;
    const post = (body: Record<string, unknown>) =>
      p.api("/v1/deployments", { method: "POST", body: JSON.stringify(body) });
    const base = { name: "bad", model: "gantry/test", version, hardware: "cpu", min_instances: 0, max_instances: 1 };
    const sku = await post({ ...base, hardware: "gpu-x9" });
    expect(sku.status).toBe(400);
    expect(((await sku.json()) as { detail: string }).detail).toMatch(
      /^The following errors occurred:\n- hardware: gpu-x9 is not a valid hardware SKU\. Your options are: cpu-small, cpu, /,
    );
    expect((await post({ ...base, min_instances: 3, max_instances: 1 })).status).toBe(422);
    expect((await post({ ...base, max_instances: 21 })).status).toBe(422);
    expect((await post({ ...base, version: "f".repeat(64) })).status).toBe(422);
    const { name: _omit, ...noName } = base;
    expect((await post(noName)).status).toBe(422);
    expect((await post(base)).status).toBe(200);
    expect((await post(base)).status).toBe(409);
    expect((await p.api("/v1/deployments/dev/nope")).status).toBe(404);
  });
});
