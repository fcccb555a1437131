import { describe, expect, it } from "vitest";
import { generate, mergeCounts, sample, spaced, toCounts, tokenize, train } from "./markov.ts";
import { mulberry32 } from "./prng.ts";

const text = "The cat sat on the mat. The cat ran. The dog sat on the log.";

describe("tokenize", () => {
  it("splits words, keeps apostrophes and hyphens inside words, and punctuation apart", () => {
    expect(tokenize("Nature's God, self-evident -- truths.")).toEqual([
      "Nature's",
      "God",
      ",",
      "self-evident",
      "--",
      "truths",
      ".",
    ]);
  });
});

describe("train", () => {
  const model = train([text]);

  it("counts trigrams case-insensitively by context", () => {
    const after = model.trigrams.get("the cat");
    expect(after?.tokens).toEqual(["sat", "ran"]);
    expect(after?.counts).toEqual([1, 1]);
    expect(model.trigrams.get("sat on")?.tokens).toEqual(["the"]);
  });

  it("records sentence starts and every token", () => {
    expect(model.starts.tokens).toEqual(["The"]);
    expect(model.starts.counts).toEqual([3]);
    expect(model.tokenCount).toBe(tokenize(text).length);
  });
});

describe("sample", () => {
  const f = { tokens: ["a", "b", "c"], counts: [1, 10, 3] };

  it("temperature 0 takes the likeliest", () => {
    expect(sample(f, 0, () => 0.99)).toBe("b");
  });

  it("follows the counts at temperature 1", () => {
    const seen = { a: 0, b: 0, c: 0 };
    const random = mulberry32(1);
    for (let i = 0; i < 14_000; i++) seen[sample(f, 1, random) as "a" | "b" | "c"]++;
    expect(seen.b / 14_000).toBeCloseTo(10 / 14, 1);
    expect(seen.a / 14_000).toBeCloseTo(1 / 14, 1);
  });

  it("a high temperature flattens the distribution", () => {
    const random = mulberry32(2);
    let a = 0;
    for (let i = 0; i < 10_000; i++) if (sample(f, 2, random) === "a") a++;
    expect(a / 10_000).toBeGreaterThan(1 / 14 + 0.05);
  });
});

describe("generate", () => {
  const model = train([text]);
  const run = (prompt: string, seed: number, temperature = 1) =>
    [...generate(model, { prompt, maxTokens: 12, temperature, random: mulberry32(seed) })].join("");

  it("continues a known context with words that followed it in training", () => {
    const out = [...generate(model, { prompt: "the dog sat", maxTokens: 3, temperature: 0, random: Math.random })];
    expect(out).toEqual([" on", " the", " mat"]);
  });

  it("is repeatable with the same seed and differs across seeds", () => {
    expect(run("The", 7)).toBe(run("The", 7));
    const outputs = new Set([1, 2, 3, 4, 5, 6].map((s) => run("The", s)));
    expect(outputs.size).toBeGreaterThan(1);
  });

  it("starts a sentence when the prompt is empty, with no leading space", () => {
    expect(run("", 3).startsWith("The ")).toBe(true);
  });

  it("emits exactly maxTokens tokens, even from an unknown prompt", () => {
    expect([
      ...generate(model, { prompt: "zebra quantum", maxTokens: 5, temperature: 1, random: mulberry32(1) }),
    ]).toHaveLength(5);
  });

  it("puts punctuation right after the word", () => {
    expect(spaced(".", false)).toBe(".");
    expect(spaced("cat", false)).toBe(" cat");
    expect(spaced("cat", true)).toBe("cat");
  });
});

describe("mergeCounts", () => {
  it("makes the fine-tuning text's sequences the likeliest, and keeps the rest", () => {
    const base = train([text]);
    const tuned = mergeCounts(train([text]), toCounts(train(["The cat flew home."])), 10);
    expect(tuned.trigrams.get("the cat")?.tokens).toEqual(["sat", "ran", "flew"]);
    expect(tuned.trigrams.get("the cat")?.counts).toEqual([1, 1, 10]);
    expect(tuned.trigrams.get("sat on")).toEqual(base.trigrams.get("sat on"));
    const next = generate(tuned, { prompt: "The cat", maxTokens: 2, temperature: 0, random: () => 0 });
    expect([...next].join("")).toBe(" flew home");
  });

  it("round-trips through JSON", () => {
    const counts = toCounts(train([text]));
    expect(JSON.parse(JSON.stringify(counts))).toEqual(counts);
    const rebuilt = mergeCounts(train([]), counts, 1);
    expect(rebuilt.trigrams).toEqual(train([text]).trigrams);
  });
});
