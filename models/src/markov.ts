/**
 * A word-level trigram language model with back-off to bigrams and unigrams: small, real and
 * statistical. Pure: training and sampling do no I/O, and sampling takes its random numbers from
 * the caller (a seeded PRNG makes a generation repeatable).
 */

/** Words, numbers (with inner apostrophes and hyphens) and single punctuation marks. */
const TOKEN = /[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*|--|[.,;:!?()]/g;
const NO_SPACE_BEFORE = /^[.,;:!?)]$/;

export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** Next-token counts after one context, as parallel arrays (fast to sample from). */
interface Followers {
  tokens: string[];
  counts: number[];
}

export interface MarkovModel {
  trigrams: Map<string, Followers>;
  bigrams: Map<string, Followers>;
  unigrams: Followers;
  /** Tokens that begin a sentence: where generation starts without a usable prompt. */
  starts: Followers;
  tokenCount: number;
}

const key = (...words: string[]) => words.map((w) => w.toLowerCase()).join(" ");

function add(map: Map<string, Followers>, k: string, next: string): void {
  let f = map.get(k);
  if (!f) {
    f = { tokens: [], counts: [] };
    map.set(k, f);
  }
  bump(f, next);
}

function bump(f: Followers, next: string): void {
  const i = f.tokens.indexOf(next);
  if (i >= 0) f.counts[i] = (f.counts[i] ?? 0) + 1;
  else {
    f.tokens.push(next);
    f.counts.push(1);
  }
}

/** Counts every trigram, bigram and unigram of the texts (each text is read on its own). */
export function train(texts: string[]): MarkovModel {
  const model: MarkovModel = {
    trigrams: new Map(),
    bigrams: new Map(),
    unigrams: { tokens: [], counts: [] },
    starts: { tokens: [], counts: [] },
    tokenCount: 0,
  };
  for (const text of texts) {
    const tokens = tokenize(text);
    model.tokenCount += tokens.length;
    tokens.forEach((tok, i) => {
      bump(model.unigrams, tok);
      const prev = tokens[i - 1];
      const prev2 = tokens[i - 2];
      if (prev === undefined || prev === ".") bump(model.starts, tok);
      if (prev !== undefined) add(model.bigrams, key(prev), tok);
      if (prev !== undefined && prev2 !== undefined) add(model.trigrams, key(prev2, prev), tok);
    });
  }
  return model;
}

/**
 * Picks one follower. `temperature` reshapes the counts (weight = count^(1/T)): below 1 it favours
 * the likeliest words, above 1 it flattens the distribution; 0 always takes the likeliest.
 */
export function sample(f: Followers, temperature: number, random: () => number): string {
  if (f.tokens.length === 0) throw new Error("nothing to sample from");
  if (temperature <= 0) {
    let best = 0;
    for (let i = 1; i < f.counts.length; i++) if ((f.counts[i] ?? 0) > (f.counts[best] ?? 0)) best = i;
    return f.tokens[best] ?? "";
  }
  const weights = f.counts.map((c) => c ** (1 / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let r = random() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i] ?? 0;
    if (r < 0) return f.tokens[i] ?? "";
  }
  return f.tokens[f.tokens.length - 1] ?? "";
}

/** The followers of the longest known context: trigram, then bigram, then sentence starts. */
function followers(model: MarkovModel, context: string[]): Followers {
  const [a, b] = context.slice(-2);
  if (a !== undefined && b !== undefined) {
    const tri = model.trigrams.get(key(a, b));
    if (tri) return tri;
  }
  const last = context.at(-1);
  if (last !== undefined) {
    const bi = model.bigrams.get(key(last));
    if (bi) return bi;
  }
  return context.length === 0 ? model.starts : model.unigrams;
}

/** A token as it is written after what came before: punctuation sticks to the previous word. */
export function spaced(token: string, first: boolean): string {
  return first || NO_SPACE_BEFORE.test(token) ? token : ` ${token}`;
}

/**
 * Generates up to `maxTokens` tokens continuing `prompt`, one at a time, each with its leading
 * space: joined, they are the continuation as text.
 */
export function* generate(
  model: MarkovModel,
  options: { prompt: string; maxTokens: number; temperature: number; random: () => number },
): Generator<string> {
  const context = tokenize(options.prompt).slice(-2);
  let first = options.prompt.trim().length === 0;
  for (let i = 0; i < options.maxTokens; i++) {
    const next = sample(followers(model, context), options.temperature, options.random);
    yield spaced(next, first);
    first = false;
    context.push(next);
    if (context.length > 2) context.shift();
  }
}

/** A model's counts as plain JSON: what a training writes as its weights. */
export interface MarkovCounts {
  trigrams: [string, string[], number[]][];
  bigrams: [string, string[], number[]][];
  unigrams: [string[], number[]];
  starts: [string[], number[]];
  tokenCount: number;
}

const entries = (map: Map<string, Followers>): [string, string[], number[]][] =>
  [...map].map(([k, f]) => [k, f.tokens, f.counts]);

export function toCounts(model: MarkovModel): MarkovCounts {
  return {
    trigrams: entries(model.trigrams),
    bigrams: entries(model.bigrams),
    unigrams: [model.unigrams.tokens, model.unigrams.counts],
    starts: [model.starts.tokens, model.starts.counts],
    tokenCount: model.tokenCount,
  };
}

function addCounts(into: Followers, tokens: string[], counts: number[], weight: number): void {
  tokens.forEach((tok, i) => {
    const n = (counts[i] ?? 0) * weight;
    const j = into.tokens.indexOf(tok);
    if (j >= 0) into.counts[j] = (into.counts[j] ?? 0) + n;
    else {
      into.tokens.push(tok);
      into.counts.push(n);
    }
  });
}

/**
 * Fine-tuning: adds `extra`'s counts to `model`'s, each multiplied by `weight`, so that the
 * sequences of the fine-tuning text become that much likelier. Changes `model` in place.
 */
export function mergeCounts(model: MarkovModel, extra: MarkovCounts, weight: number): MarkovModel {
  for (const [table, rows] of [
    [model.trigrams, extra.trigrams],
    [model.bigrams, extra.bigrams],
  ] as const) {
    for (const [k, tokens, counts] of rows) {
      let f = table.get(k);
      if (!f) {
        f = { tokens: [], counts: [] };
        table.set(k, f);
      }
      addCounts(f, tokens, counts, weight);
    }
  }
  addCounts(model.unigrams, ...extra.unigrams, weight);
  addCounts(model.starts, ...extra.starts, weight);
  model.tokenCount += extra.tokenCount;
  return model;
}
