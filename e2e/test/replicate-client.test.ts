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

const tokens = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? "tok0" : ` tok${i}`));

describe("the official replicate client, with only baseUrl changed", () => {
  it("run() returns the model's five tokens", async () => {
    const output = await p.replicate.run("gantry/test", { input: { tokens: 5 } });
    expect(output).toEqual(tokens(5));
  });

  it("run() with an explicit version id", async () => {
    const version = p.stack.versions["gantry/test"];
    const output = await p.replicate.run(`gantry/test:${version}`, { input: { tokens: 2 } });
    expect(output).toEqual(tokens(2));
  });

  it("predictions.create + wait reaches succeeded with metrics", async () => {
    const created = await p.replicate.predictions.create({ model: "gantry/test", input: { tokens: 3, sleep_ms: 200 } });
    expect(created.status).toBe("starting");
    expect(created.urls.get).toBe(`${p.stack.baseUrl}/v1/predictions/${created.id}`);
    const done: Prediction = await p.replicate.wait(created, { interval: 50 });
    expect(done.status).toBe("succeeded");
    expect(done.output).toEqual(tokens(3));
    expect(done.metrics?.predict_time).toBeGreaterThanOrEqual(0.2);
    expect(done.metrics?.total_time).toBeGreaterThanOrEqual(done.metrics?.predict_time ?? 0);
    const fetched = await p.replicate.predictions.get(created.id);
    expect(fetched.status).toBe("succeeded");
    expect(fetched.completed_at).toBe(done.completed_at);
  });

  it("a fail input ends failed with the message; run() throws it", async () => {
    const created = await p.replicate.predictions.create({
      model: "gantry/test",
      input: { tokens: 1, fail: "the model broke" },
    });
    await expect(p.replicate.wait(created, { interval: 50 })).rejects.toThrow("Prediction failed: the model broke");
    const done = await p.replicate.predictions.get(created.id);
    expect(done.status).toBe("failed");
    expect(done.error).toBe("the model broke");
    await expect(p.replicate.run("gantry/test", { input: { fail: "kaput" } })).rejects.toThrow(
      "Prediction failed: kaput",
    );
  });

  it("Prefer: wait holds the request until the prediction is done", async () => {
    const res = await p.api("/v1/models/gantry/test/predictions", {
      method: "POST",
      headers: { prefer: "wait=10" },
      body: JSON.stringify({ input: { tokens: 4, log_lines: 2 } }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("preference-applied")).toBe("wait=10");
    const body = (await res.json()) as Prediction;
    expect(body.status).toBe("succeeded");
    expect(body.output).toEqual(tokens(4));
    expect(body.logs).toBe("log line 0\nlog line 1\n");
  });

  it("Prefer: wait returns the prediction as it is when the wait runs out", async () => {
    const res = await p.api("/v1/models/gantry/test/predictions", {
      method: "POST",
      headers: { prefer: "wait=1" },
      body: JSON.stringify({ input: { sleep_ms: 3000 } }),
    });
    const body = (await res.json()) as Prediction;
    expect(["starting", "processing"]).toContain(body.status);
    const done = await p.replicate.wait(body, { interval: 100 });
    expect(done.status).toBe("succeeded");
  });

  it("cancel ends a running prediction as canceled", async () => {
    const created = await p.replicate.predictions.create({ model: "gantry/test", input: { sleep_ms: 20_000 } });
    const canceled = await p.replicate.predictions.cancel(created.id);
    expect(canceled.status).toBe("canceled");
    const again = await p.replicate.predictions.get(created.id);
    expect(again.status).toBe("canceled");
  });

  it("webhooks.default.secret.get() gives a stable whsec_ key; accounts.current() the dev user", async () => {
    const first = await p.replicate.webhooks.default.secret.get();
    expect(first.key).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect((await p.replicate.webhooks.default.secret.get()).key).toBe(first.key);
    expect(await p.replicate.accounts.current()).toEqual({ type: "user", username: "dev", name: "dev" });
    const hardware = await p.replicate.hardware.list();
    expect(hardware).toContainEqual({ name: "Nvidia H100 GPU", sku: "gpu-h100" });
    expect(hardware).toContainEqual({ name: "CPU", sku: "cpu" });
  });

  it("accepts the legacy Token authorization scheme", async () => {
    const res = await fetch(`${p.stack.baseUrl}/v1/hardware`, { headers: { authorization: `Token ${p.stack.token}` } });
    expect(res.status).toBe(200);
    const list = (await res.json()) as { sku: string }[];
    expect(list.map((h) => h.sku)).toContain("gpu-h100");
  });
});
