import { createHash } from "node:crypto";
import type { Training } from "replicate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(async () => {
  await p?.close();
});

const text = "We hold these purple elephants dear. We hold these purple elephants dear.";
const prompt = { prompt: "We hold these", max_tokens: 3, temperature: 0, seed: 1 };

async function baseVersion(owner: string, name: string): Promise<string> {
  const m = await p.replicate.models.get(owner, name);
  if (!m.latest_version) throw new Error(`${owner}/${name} has no version`);
  return m.latest_version.id;
}

/** `replicate.wait` polls `predictions.get`: trainings are polled through `trainings.get`. */
async function settled(t: Training): Promise<Training> {
  for (let i = 0; i < 600; i++) {
    const now = await p.replicate.trainings.get(t.id);
    if (["succeeded", "failed", "canceled", "aborted"].includes(now.status)) return now;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`training ${t.id} did not finish`);
}

describe("trainings through the official client", () => {
  it("trains gantry/text-stream into the caller's model; the new version runs on the trained weights", async () => {
    await p.replicate.models.create("dev", "purple-text", { visibility: "private", hardware: "cpu" });
    const base = await baseVersion("gantry", "text-stream");
    const created = await p.replicate.trainings.create("gantry", "text-stream", base, {
      destination: "dev/purple-text",
      input: { text, strength: 50 },
    });
    expect(created).toMatchObject({ status: "starting", model: "gantry/text-stream", version: base });
    expect(created.urls.get).toBe(`${p.stack.baseUrl}/v1/trainings/${created.id}`);

    const done = await settled(created);
    expect(done.status).toBe("succeeded");
    expect(done.error).toBeNull();
    expect(done.metrics?.predict_time).toBeGreaterThan(0);
    expect(done.logs).toMatch(/counted 14 tokens/);
    const output = done.output as { version: string; weights: string };
    expect(output.version).toMatch(/^dev\/purple-text:[0-9a-f]{64}$/);
    const weights = (await (await fetch(output.weights)).json()) as { format: string; strength: number };
    expect(weights).toMatchObject({ format: "gantry-markov-counts/1", strength: 50 });

    // The trained version is the destination's latest, and it continues the training text.
    const newId = output.version.split(":")[1];
    expect(await baseVersion("dev", "purple-text")).toBe(newId);
    const tuned = (await p.replicate.run(output.version as `${string}/${string}:${string}`, {
      input: prompt,
    })) as string[];
    expect(tuned.join("")).toBe(" purple elephants dear");
    const plain = (await p.replicate.run("gantry/text-stream", { input: prompt })) as string[];
    expect(plain.join("")).toBe(" truths to be");

    // Listed as a training, not as a prediction; the base model's versions do not show its trainer.
    const trainings = await p.replicate.trainings.list();
    expect(trainings.results.map((t) => t.id)).toContain(created.id);
    const predictions = await p.replicate.predictions.list();
    expect(predictions.results.map((x) => x.id)).not.toContain(created.id);
    // As on Replicate, a training's id also works at /v1/predictions/{id}: the client's wait() polls there.
    const waited = await p.replicate.wait(created as unknown as Parameters<typeof p.replicate.wait>[0]);
    expect(waited).toMatchObject({ id: created.id, status: "succeeded", destination: "dev/purple-text" });
    const versions = await p.replicate.models.versions.list("gantry", "text-stream");
    expect(versions.results.map((v) => v.id)).toEqual([base]);
  });

  it("a canceled training ends canceled and creates no version", async () => {
    await p.replicate.models.create("dev", "never-trained", { visibility: "private", hardware: "cpu" });
    const base = await baseVersion("gantry", "text-stream");
    // 50 epochs of 100 ms: the cancel lands before it ends, whether it has started or not.
    const created = await p.replicate.trainings.create("gantry", "text-stream", base, {
      destination: "dev/never-trained",
      input: { text, epochs: 50 },
    });
    const canceled = await p.replicate.trainings.cancel(created.id);
    expect(canceled.status).toBe("canceled");
    await new Promise((r) => setTimeout(r, 1500));
    const after = await p.replicate.trainings.get(created.id);
    expect(after.status).toBe("canceled");
    expect(after.logs).not.toMatch(/epoch 50\/50/);
    expect((await p.replicate.models.get("dev", "never-trained")).latest_version).toBeNull();
  });

  it("refuses a missing destination, bad input and an untrainable version with clear errors, creating nothing", async () => {
    await p.replicate.models.create("dev", "refusals", { visibility: "private", hardware: "cpu" });
    const base = await baseVersion("gantry", "text-stream");
    const before = await p.counts();
    const post = (path: string, body: unknown) => p.api(path, { method: "POST", body: JSON.stringify(body) });
    const train = `/v1/models/gantry/text-stream/versions/${base}/trainings`;

    const missing = await post(train, { destination: "dev/nope", input: { text } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ detail: "The specified training destination does not exist" });
    // Another account's model is not a destination of the caller's.
    const theirs = await post(train, { destination: "gantry/test", input: { text } });
    expect(theirs.status).toBe(404);

    const invalid = await post(train, { destination: "dev/refusals", input: { strength: 0 } });
    expect(invalid.status).toBe(422);
    const problem = (await invalid.json()) as { invalid_fields: { field: string; description: string }[] };
    expect(problem.invalid_fields).toEqual([
      expect.objectContaining({ field: "input", description: "text is required" }),
      expect.objectContaining({ field: "input.strength", description: "Must be greater than or equal to 1" }),
    ]);

    const untrainable = await post(`/v1/models/gantry/test/versions/${await baseVersion("gantry", "test")}/trainings`, {
      destination: "dev/refusals",
      input: {},
    });
    expect(untrainable.status).toBe(400);
    expect(await untrainable.json()).toMatchObject({ title: "Version not trainable" });

    const unknown = await post(`/v1/models/gantry/text-stream/versions/${"0".repeat(64)}/trainings`, {
      destination: "dev/refusals",
      input: { text },
    });
    expect(unknown.status).toBe(404);
    expect((await p.api("/v1/trainings/aaaaaaaaaaaaaaaaaaaaaaaaaa")).status).toBe(404);
    const malformed = await post(train, { destination: "dev/*", input: { text } });
    expect(malformed.status).toBe(422);
    // The hidden trainer of a version is not one of the model's versions, even by its id.
    const trainer = createHash("sha256").update(`trainer:${base}`).digest("hex");
    expect((await p.api(`/v1/models/gantry/text-stream/versions/${trainer}`)).status).toBe(404);
    expect((await post("/v1/predictions", { version: trainer, input: { text } })).status).toBe(422);
    expect(await p.counts()).toEqual(before);
  });
});
