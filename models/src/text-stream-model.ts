import { readdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { Predictor } from "./cog-server.ts";
import { generate, type MarkovModel, train } from "./markov.ts";
import { cogOpenApi } from "./openapi.ts";
import { mulberry32, randomSeed } from "./prng.ts";

/** The public-domain training texts shipped in the repository. */
export const TRAINING_DIR = new URL("../data/", import.meta.url);

/** Pause between tokens, so a stream looks like one (a small LLM's pace). */
const TOKEN_DELAY_MS = 10;

export async function readTrainingTexts(dir: URL = TRAINING_DIR): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".txt")).sort();
  return Promise.all(names.map((n) => readFile(new URL(n, dir), "utf8")));
}

function intInput(input: Record<string, unknown>, name: string, min: number, max: number): number {
  const v = Number(input[name]);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer from ${min} to ${max}`);
  return v;
}

/**
 * `gantry/text-stream`: a word-level trigram language model (see `markov.ts`), trained in `setup()`
 * on the texts in `models/data/`. It continues the prompt token by token, streaming each one;
 * the same seed (and inputs) gives the same text.
 */
export function createTextStreamModel(dir: URL = TRAINING_DIR): Predictor {
  let model: MarkovModel | null = null;
  return {
    openapi: cogOpenApi({
      properties: {
        prompt: { type: "string", title: "Prompt", description: "Text to continue", default: "", "x-order": 0 },
        max_tokens: {
          type: "integer",
          title: "Max Tokens",
          description: "How many tokens to generate",
          default: 64,
          minimum: 1,
          maximum: 1024,
          "x-order": 1,
        },
        temperature: {
          type: "number",
          title: "Temperature",
          description: "0 always picks the likeliest word; higher values pick more freely",
          default: 0.8,
          minimum: 0,
          maximum: 2,
          "x-order": 2,
        },
        seed: {
          type: "integer",
          title: "Seed",
          description: "Random seed: the same seed gives the same text. Leave blank to randomize",
          "x-order": 3,
        },
      },
      output: {
        type: "array",
        items: { type: "string" },
        "x-cog-array-type": "iterator",
        "x-cog-array-display": "concatenate",
      },
    }),
    async setup(log) {
      const started = performance.now();
      const texts = await readTrainingTexts(dir);
      model = train(texts);
      const ms = Math.round(performance.now() - started);
      log(
        `trained on ${texts.length} texts: ${model.tokenCount} tokens, ${model.trigrams.size} trigram contexts (${ms} ms)`,
      );
    },
    async *predict(input, ctx) {
      if (!model) throw new Error("the model is not trained (setup did not run)");
      const maxTokens = intInput(input, "max_tokens", 1, 1024);
      const temperature = Number(input.temperature ?? 0.8);
      if (!(temperature >= 0 && temperature <= 2)) throw new Error("temperature must be from 0 to 2");
      const seed =
        input.seed === undefined || input.seed === null ? randomSeed() : intInput(input, "seed", -(2 ** 31), 2 ** 32);
      ctx.log(`Using seed: ${seed}`);
      const prompt = typeof input.prompt === "string" ? input.prompt : "";
      for (const token of generate(model, { prompt, maxTokens, temperature, random: mulberry32(seed) })) {
        if (ctx.signal.aborted) return;
        yield token;
        await sleep(TOKEN_DELAY_MS, undefined, { signal: ctx.signal }).catch(() => undefined);
      }
    },
  };
}

export const textStreamModel: Predictor = createTextStreamModel();
