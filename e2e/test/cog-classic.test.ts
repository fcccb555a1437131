import {
  assertCogClassicRuns,
  type CogClassicServer,
  cogClassicArgv,
  startCogClassic,
} from "@gantry/testing/cog-classic";
import type { Prediction } from "replicate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

/**
 * Cog's own classic Python server (v0.14.12, unmodified, beside the project in ../shared/vendor)
 * running Gantry's test predictors (packages/testing/cog/), registered as `command` and `url`
 * versions and driven with the official client: streams, constraints, failures, cancels, file
 * inputs and outputs (uploaded to the agent with `--upload-url`), and a real trainer.
 */
let p: Platform;
const servers: CogClassicServer[] = [];
const versions: Record<string, string> = {};

async function register(model: string, body: Record<string, unknown>): Promise<string> {
  const res = await p.api(`/v1/models/dev/${model}/versions`, { method: "POST", body: JSON.stringify(body) });
  const json = (await res.json()) as { id?: string; detail?: string };
  if (res.status !== 201) throw new Error(`registering ${model}: ${res.status} ${json.detail}`);
  return String(json.id);
}

beforeAll(async () => {
  assertCogClassicRuns();
  p = await startPlatform();
  for (const name of ["cog-text", "cog-file", "cog-url", "cog-trained"]) {
    await p.replicate.models.create("dev", name, { visibility: "private", hardware: "cpu" });
  }
  versions.text = await register("cog-text", { command: cogClassicArgv("text") });
  versions.file = await register("cog-file", { command: cogClassicArgv("file") });
  const server = await startCogClassic("text");
  servers.push(server);
  versions.url = await register("cog-url", { url: server.url });
}, 120_000);
afterAll(async () => {
  for (const s of servers) await s.stop();
  await p?.close();
});

/** Polls until terminal (`replicate.wait` throws on a failed prediction). */
async function wait(prediction: Prediction): Promise<Prediction> {
  let now = prediction;
  for (let i = 0; i < 600 && !["succeeded", "failed", "canceled"].includes(now.status); i++) {
    await new Promise((r) => setTimeout(r, 50));
    now = await p.replicate.predictions.get(prediction.id);
  }
  return now;
}

describe("Cog's classic server as a command version", () => {
  it("the schema is the server's own; an iterator streams its tokens and logs", async () => {
    const version = await p.replicate.models.versions.get("dev", "cog-text", versions.text ?? "");
    const schema = version.openapi_schema as { components: { schemas: { Input: { properties: object } } } };
    expect(Object.keys(schema.components.schemas.Input.properties).sort()).toEqual([
      "delay",
      "fail",
      "prompt",
      "tokens",
    ]);
    const events: string[] = [];
    for await (const ev of p.replicate.stream("dev/cog-text", { input: { prompt: "red green blue", tokens: 4 } })) {
      if (ev.event === "output") events.push(ev.data);
    }
    expect(events.join("")).toBe("red green blue red ");
    const done = await wait(
      await p.replicate.predictions.create({ version: versions.text ?? "", input: { prompt: "x", tokens: 2 } }),
    );
    expect(done.status).toBe("succeeded");
    expect(done.output).toEqual(["x ", "x "]);
    expect(done.logs).toContain("token 1");
    expect(done.metrics?.predict_time).toBeGreaterThan(0);
  });

  it("the server's own constraints answer 422 before anything runs", async () => {
    const before = await p.counts();
    const res = await p.api("/v1/predictions", {
      method: "POST",
      body: JSON.stringify({ version: versions.text, input: { prompt: "x", tokens: 0 } }),
    });
    expect(res.status).toBe(422);
    const problem = (await res.json()) as { invalid_fields?: { field: string }[] };
    expect(problem.invalid_fields?.map((f) => f.field)).toContain("input.tokens");
    expect((await p.counts()).predictions).toBe(before.predictions);
  });

  it("a predictor's exception fails the prediction with its message, keeping the partial output", async () => {
    const done = await wait(
      await p.replicate.predictions.create({
        version: versions.text ?? "",
        input: { prompt: "a", tokens: 2, fail: true },
      }),
    );
    expect(done.status).toBe("failed");
    expect(done.error).toContain("requested failure");
    expect(done.output).toEqual(["a ", "a "]);
  });

  it("a cancel reaches the predictor", async () => {
    const created = await p.replicate.predictions.create({
      version: versions.text ?? "",
      input: { prompt: "slow", tokens: 20, delay: 1 },
    });
    for (let i = 0; i < 200; i++) {
      const now = await p.replicate.predictions.get(created.id);
      if (now.status === "processing" && (now.output as string[] | null)?.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await p.replicate.predictions.cancel(created.id);
    const done = await wait(created);
    expect(done.status).toBe("canceled");
    expect((done.output as string[]).length).toBeLessThan(20);
  });

  it("a file output reaches the client as a signed URL of the account's file", async () => {
    const output = await p.replicate.run("dev/cog-file", { input: { text: "made by cog" } });
    const url = String(output);
    expect(url).toMatch(new RegExp(`^${p.stack.baseUrl}/v1/files/[a-z0-9]{26}/download\\?owner=dev&`));
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("made by cog");
  });

  it("a file input is fetched by the server and comes back as a file", async () => {
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 7) % 251);
    const file = await p.replicate.files.create(new Blob([bytes], { type: "application/octet-stream" }));
    const done = await wait(
      await p.replicate.predictions.create({ version: versions.file ?? "", input: { source: file.urls.get } }),
    );
    expect(done.error).toBeNull();
    expect(done.status).toBe("succeeded");
    const res = await fetch(String(done.output));
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
  });

  it("a real trainer's weights file becomes a new version that runs from it", async () => {
    const training = await p.replicate.trainings.create("dev", "cog-text", versions.text ?? "", {
      destination: "dev/cog-trained",
      input: { word: "tuned" },
    });
    let done = training;
    for (let i = 0; i < 600 && !["succeeded", "failed", "canceled"].includes(done.status); i++) {
      await new Promise((r) => setTimeout(r, 100));
      done = await p.replicate.trainings.get(training.id);
    }
    expect(String(done.error ?? null)).toBe("null");
    expect(done.status).toBe("succeeded");
    const output = done.output as { version: string; weights: string };
    expect(output.version).toMatch(/^dev\/cog-trained:[0-9a-f]{64}$/);
    expect(await (await fetch(output.weights)).text()).toBe("tuned-");
    const tokens = await p.replicate.run(output.version as `${string}/${string}:${string}`, {
      input: { prompt: "w", tokens: 2 },
    });
    expect(tokens).toEqual(["tuned-w ", "tuned-w "]);
  });
});

describe("Cog's classic server as a url version", () => {
  it("runs and streams like a command version", async () => {
    const out = await p.replicate.run("dev/cog-url", { input: { prompt: "over url", tokens: 3 } });
    expect(out).toEqual(["over ", "url ", "over "]);
  });
});
