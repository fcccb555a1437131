import { describe, expect, it } from "vitest";
import { createTextStreamModel, readTrainingTexts } from "./text-stream-model.ts";

async function collect(input: Record<string, unknown>): Promise<{ tokens: string[]; logs: string[] }> {
  const model = createTextStreamModel();
  await model.setup?.(() => {});
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
