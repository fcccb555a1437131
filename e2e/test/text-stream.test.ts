import type { Prediction } from "replicate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";
import { readSse } from "./sse.ts";

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(async () => {
  await p?.close();
});

const input = { prompt: "We hold these truths", max_tokens: 40, temperature: 0.9, seed: 1776 };

async function streamText(): Promise<string[]> {
  const tokens: string[] = [];
  for await (const ev of p.replicate.stream("gantry/text-stream", { input })) {
    if (ev.event === "output") tokens.push(ev.data);
  }
  return tokens;
}

describe("gantry/text-stream: a small language model streaming tokens", () => {
  it("the stream's tokens concatenate to the prediction's final output", async () => {
    const created = await p.replicate.predictions.create({ model: "gantry/text-stream", input, stream: true });
    const events = await readSse(await fetch(created.urls.stream ?? ""));
    const tokens = events.filter((e) => e.event === "output").map((e) => e.data);
    expect(events.at(-1)?.event).toBe("done");
    expect(tokens).toHaveLength(40);
    const done: Prediction = await p.replicate.wait(created, { interval: 50 });
    expect(done.status).toBe("succeeded");
    expect(tokens).toEqual(done.output);
    expect(tokens.join("")).toBe((done.output as string[]).join(""));
    expect(done.logs).toContain("Using seed: 1776");
  });

  it("replicate.stream() with the same seed gives the same text; another seed another text", async () => {
    const first = await streamText();
    const second = await streamText();
    expect(first.length).toBe(40);
    expect(second.join("")).toBe(first.join(""));
    const other = (await p.replicate.run("gantry/text-stream", { input: { ...input, seed: 7 } })) as string[];
    expect(other.join("")).not.toBe(first.join(""));
  });
});
