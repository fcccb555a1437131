import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createCogServer } from "./cog-server.ts";
import { createTextStreamModel, readTrainingTexts } from "./text-stream-model.ts";

async function collect(
  input: Record<string, unknown>,
  weights: string | null = null,
): Promise<{ tokens: string[]; logs: string[] }> {
  const model = createTextStreamModel();
  await model.setup?.(() => {}, weights);
  const logs: string[] = [];
  const tokens: string[] = [];
  const out = model.predict(input, { signal: new AbortController().signal, log: (l) => logs.push(l) });
  for await (const t of out as AsyncIterable<string>) tokens.push(t);
  return { tokens, logs };
}

describe("gantry/text-stream", () => {
  it("trains on the public-domain texts in models/data", async () => {
    const texts = await readTrainingTexts();
    expect(texts.length).toBeGreaterThanOrEqual(2);
    expect(texts.join("\n")).toContain("We hold these truths to be self-evident");
    const lines: string[] = [];
    await createTextStreamModel().setup?.((l) => lines.push(l));
    expect(lines[0]).toMatch(/^trained on \d+ texts: \d+ tokens/);
  });

  it("streams max_tokens tokens; the same seed gives the same text", async () => {
    const a = await collect({ prompt: "We hold these", max_tokens: 20, temperature: 0.8, seed: 42 });
    const b = await collect({ prompt: "We hold these", max_tokens: 20, temperature: 0.8, seed: 42 });
    expect(a.tokens).toHaveLength(20);
    expect(a.tokens).toEqual(b.tokens);
    expect(a.logs).toContain("Using seed: 42");
  });

  it("at temperature 0 continues the training text", async () => {
    const { tokens } = await collect({ prompt: "We hold these", max_tokens: 4, temperature: 0, seed: 1 });
    expect(tokens.join("")).toBe(" truths to be self-evident");
  });

  it("refuses out-of-range inputs", async () => {
    await expect(collect({ prompt: "x", max_tokens: 0, temperature: 0.8 })).rejects.toThrow(/max_tokens/);
    await expect(collect({ prompt: "x", max_tokens: 2, temperature: 3 })).rejects.toThrow(/temperature/);
  });
});

describe("gantry/text-stream's trainer", () => {
  const prompt = "We hold these";
  const text = "We hold these purple elephants dear. We hold these purple elephants dear.";

  it("writes weights from which a fine-tuned model continues the training text", async () => {
    const logs: string[] = [];
    const out = (await createTextStreamModel().train?.(
      { text, strength: 50 },
      { signal: new AbortController().signal, log: (l) => logs.push(l) },
    )) as { weights: string };
    expect(out.weights).toMatch(/^data:application\/json;base64,/);
    expect(logs[0]).toMatch(/^counted 14 tokens/);
    const dir = await mkdtemp(join(tmpdir(), "weights-"));
    try {
      const file = join(dir, "weights.json");
      await writeFile(file, Buffer.from(out.weights.split(",")[1] ?? "", "base64"));
      const tuned = await collect({ prompt, max_tokens: 3, temperature: 0, seed: 1 }, file);
      expect(tuned.tokens.join("")).toBe(" purple elephants dear");
      const base = await collect({ prompt, max_tokens: 3, temperature: 0, seed: 1 });
      expect(base.tokens.join("")).toBe(" truths to be");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("logs each epoch and stops at a cancel, with no weights", async () => {
    const abort = new AbortController();
    const logs: string[] = [];
    const started = performance.now();
    setTimeout(() => abort.abort(), 250);
    const out = await createTextStreamModel().train?.(
      { text, strength: 1, epochs: 100 },
      { signal: abort.signal, log: (l) => logs.push(l) },
    );
    expect(out).toBeNull();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(logs).toContain("epoch 1/100");
    expect(logs).not.toContain("epoch 100/100");
  });

  it("refuses a text with no words", async () => {
    const ctx = { signal: new AbortController().signal, log: () => {} };
    await expect(createTextStreamModel().train?.({ text: "  ", strength: 1 }, ctx)).rejects.toThrow(/no words/);
  });

  it("is served at /trainings by a server in train mode, and /predictions is not", async () => {
    const server = createCogServer(createTextStreamModel(), { mode: "train" });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const put = await fetch(`${base}/trainings/t1`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input: { text } }),
      });
      const body = (await put.json()) as {
        status: string;
        input: Record<string, unknown>;
        output: { weights: string };
      };
      expect(put.status).toBe(200);
      expect(body.status).toBe("succeeded");
      expect(body.input).toEqual({ text, strength: 10, epochs: 1 });
      expect(body.output.weights).toMatch(/^data:application\/json;base64,/);
      const predict = await fetch(`${base}/predictions/p1`, { method: "PUT", body: "{}" });
      expect(predict.status).toBe(404);
      const root = (await (await fetch(base)).json()) as Record<string, string>;
      expect(root.trainings_url).toBe("/trainings");
    } finally {
      server.close();
    }
  });
});
