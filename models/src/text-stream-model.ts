import { readdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { Predictor } from "./cog-server.ts";
import { generate, type MarkovCounts, type MarkovModel, mergeCounts, toCounts, train } from "./markov.ts";
import { cogOpenApi } from "./openapi.ts";
import { mulberry32, randomSeed } from "./prng.ts";

/** The public-domain training texts shipped in the repository. */
export const TRAINING_DIR = new URL("../data/", import.meta.url);

/** Pause between tokens, so a stream looks like one (a small LLM's pace). */
const TOKEN_DELAY_MS = 10;

/** How long each training epoch takes. */
const EPOCH_MS = 100;

export async function readTrainingTexts(dir: URL = TRAINING_DIR): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".txt")).sort();
  return Promise.all(names.map((n) => readFile(new URL(n, dir), "utf8")));
}

function intInput(input: Record<string, unknown>, name: string, min: number, max: number): number {
  const v = Number(input[name]);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer from ${min} to ${max}`);
  return v;
}

/** What a training writes as its weights: the fine-tuning text's counts and how much they weigh. */
interface Weights {
  format: "gantry-markov-counts/1";
  strength: number;
  counts: MarkovCounts;
}

async function readWeights(where: string): Promise<Weights> {
  const text = /^https?:\/\//.test(where) ? await (await fetch(where)).text() : await readFile(where, "utf8");
  const w = JSON.parse(text) as Weights;
  if (w.format !== "gantry-markov-counts/1") throw new Error(`unknown weights format ${String(w.format)}`);
  return w;
}

/**
 * `gantry/text-stream`: a word-level trigram language model (see `markov.ts`), trained in `setup()`
 * on the texts in `models/data/`. It continues the prompt token by token, streaming each one;
 * the same seed (and inputs) gives the same text. Its trainer fine-tunes it on a text of yours:
 * the weights are that text's counts, added `strength` times to the base model's at setup.
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
      training: {
        required: ["text"],
        properties: {
          text: { type: "string", title: "Text", description: "The text to fine-tune on", "x-order": 0 },
          strength: {
            type: "integer",
            title: "Strength",
            description: "How many times the text's word sequences count against the base texts'",
            default: 10,
            minimum: 1,
            maximum: 1000,
            "x-order": 1,
          },
          epochs: {
            type: "integer",
            title: "Epochs",
            description: "Training passes, each logged (the counts are complete after the first)",
            default: 1,
            minimum: 1,
            maximum: 100,
            "x-order": 2,
          },
        },
        output: {
          type: "object",
          properties: { weights: { type: "string", format: "uri", title: "Weights" } },
        },
      },
    }),
    async setup(log, weights) {
      const started = performance.now();
      const texts = await readTrainingTexts(dir);
      model = train(texts);
      const ms = Math.round(performance.now() - started);
      log(
        `trained on ${texts.length} texts: ${model.tokenCount} tokens, ${model.trigrams.size} trigram contexts (${ms} ms)`,
      );
      if (weights) {
        const w = await readWeights(weights);
        mergeCounts(model, w.counts, w.strength);
        log(`fine-tuned: ${w.counts.tokenCount} tokens of trained weights, strength ${w.strength}`);
      }
    },
    async train(input, ctx) {
      const text = typeof input.text === "string" ? input.text : "";
      const strength = intInput(input, "strength", 1, 1000);
      const epochs = input.epochs === undefined ? 1 : intInput(input, "epochs", 1, 100);
      const counts = toCounts(train([text]));
      if (counts.tokenCount === 0) throw new Error("text has no words to train on");
      ctx.log(`counted ${counts.tokenCount} tokens, ${counts.trigrams.length} trigram contexts`);
      // Counting needs one pass; the epochs are paced like a real trainer's, logged, and cancelable.
      for (let epoch = 1; epoch <= epochs; epoch++) {
        await sleep(EPOCH_MS, undefined, { signal: ctx.signal }).catch(() => undefined);
        if (ctx.signal.aborted) return null;
        ctx.log(`epoch ${epoch}/${epochs}`);
      }
      const weights: Weights = { format: "gantry-markov-counts/1", strength, counts };
      const json = Buffer.from(JSON.stringify(weights)).toString("base64");
      return { weights: `data:application/json;base64,${json}` };
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
