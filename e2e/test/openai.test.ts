import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

/**
 * The OpenAI-compatible API through the official `openai` client, with `baseURL` only: every call
 * is a prediction of `gantry/text-stream`, visible and cancelable through Replicate's API.
 */
const TOKEN = "r8_e2e_dev_token";
let p: Platform;
let openai: OpenAI;
const MODEL = "gantry/text-stream";

beforeAll(async () => {
  p = await startPlatform(TOKEN);
  openai = new OpenAI({ apiKey: TOKEN, baseURL: `${p.stack.baseUrl}/openai/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await p?.close();
});

const predictionOf = (id: string) => id.replace(/^(chatcmpl|cmpl)-/, "");

describe("the OpenAI-compatible API", () => {
  it("a chat completion is a prediction: the model's text, usage and finish reason", async () => {
    const messages = [
      { role: "system" as const, content: "You continue stories." },
      { role: "user" as const, content: "The old ship sailed" },
    ];
    const res = await openai.chat.completions.create({ model: MODEL, messages, max_tokens: 6, seed: 7 });
    expect(res.object).toBe("chat.completion");
    const choice = res.choices[0];
    expect(choice?.message.role).toBe("assistant");
    expect(choice?.message.content?.length).toBeGreaterThan(0);
    expect(choice?.finish_reason).toBe("length");
    expect(res.usage?.completion_tokens).toBe(6);
    expect(res.usage?.prompt_tokens).toBeGreaterThan(5);
    expect(res.usage?.total_tokens).toBe((res.usage?.prompt_tokens ?? 0) + 6);

    // The same call through Replicate's API: the prediction, its input and its output.
    const prediction = await p.replicate.predictions.get(predictionOf(res.id));
    expect(prediction.status).toBe("succeeded");
    expect(prediction.model).toBe(MODEL);
    expect(prediction.input).toMatchObject({ max_tokens: 6, seed: 7 });
    expect(String((prediction.input as { prompt?: string }).prompt)).toContain("User: The old ship sailed");
    expect((prediction.output as string[]).join("")).toBe(choice?.message.content);

    // A seed makes the model deterministic: the same call, the same text.
    const again = await openai.chat.completions.create({ model: MODEL, messages, max_tokens: 6, seed: 7 });
    expect(again.choices[0]?.message.content).toBe(choice?.message.content);
  });

  it("streams deltas in OpenAI's chunks, with usage when asked, to the same text", async () => {
    const messages = [{ role: "user" as const, content: "Once upon a time" }];
    const whole = await openai.chat.completions.create({ model: MODEL, messages, max_tokens: 8, seed: 3 });
    const stream = await openai.chat.completions.create({
      model: MODEL,
      messages,
      max_tokens: 8,
      seed: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(whole.choices[0]?.message.content);
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBe(8);
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish?.choices[0]?.finish_reason).toBe("length");
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBe(8);
  });

  it("legacy completions take a prompt; a stop sequence ends the text before it and ends the prediction", async () => {
    const base = await openai.completions.create({ model: MODEL, prompt: "The river", max_tokens: 12, seed: 5 });
    expect(base.object).toBe("text_completion");
    const text = base.choices[0]?.text ?? "";
    const words = text.trim().split(/\s+/);
    expect(words.length).toBeGreaterThan(4);
    const stop = ` ${words[3]}`;
    const cut = text.indexOf(stop);
    const stopped = await openai.completions.create({
      model: MODEL,
      prompt: "The river",
      max_tokens: 12,
      seed: 5,
      stop,
    });
    expect(stopped.choices[0]?.text).toBe(text.slice(0, cut));
    expect(stopped.choices[0]?.finish_reason).toBe("stop");
    const prediction = await p.replicate.predictions.get(predictionOf(stopped.id));
    expect(["canceled", "succeeded"]).toContain(prediction.status);
  });

  it("a client that closes its stream cancels the prediction", async () => {
    const stream = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Tell me everything" }],
      max_tokens: 1000,
      stream: true,
    });
    let id = "";
    let n = 0;
    for await (const c of stream) {
      id = c.id;
      if (++n >= 3) break;
    }
    let status = "";
    // Under wrangler dev the client's close reaches the worker later on a loaded machine: up to 15 s.
    for (let i = 0; i < 300 && status !== "canceled"; i++) {
      status = (await p.replicate.predictions.get(predictionOf(id))).status;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe("canceled");
  });

  it("lists the models that take part; answers errors in OpenAI's shape", async () => {
    const list = await openai.models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids).toContain(MODEL);
    expect(ids).not.toContain("gantry/image");
    expect((await openai.models.retrieve(MODEL)).owned_by).toBe("gantry");

    const failures: [() => Promise<unknown>, number, string | null, string | null][] = [
      [
        () => openai.chat.completions.create({ model: "nobody/nothing", messages: [{ role: "user", content: "x" }] }),
        404,
        "model_not_found",
        "model",
      ],
      [
        () => openai.chat.completions.create({ model: "gantry/image", messages: [{ role: "user", content: "x" }] }),
        400,
        "model_not_supported",
        "model",
      ],
      [
        () =>
          openai.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "x" }], temperature: 5 }),
        400,
        null,
        "temperature",
      ],
      [
        () =>
          openai.chat.completions.create({
            model: MODEL,
            messages: [{ role: "user", content: "x" }],
            max_tokens: 5000,
          }),
        400,
        "invalid_value",
        "max_tokens",
      ],
      [() => openai.chat.completions.create({ model: MODEL, messages: [] }), 400, null, "messages"],
      [
        () => new OpenAI({ apiKey: "r8_wrong", baseURL: `${p.stack.baseUrl}/openai/v1`, maxRetries: 0 }).models.list(),
        401,
        "invalid_api_key",
        null,
      ],
    ];
    for (const [call, status, code, param] of failures) {
      const err = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, `${status} ${code}`).toBeInstanceOf(OpenAI.APIError);
      const e = err as InstanceType<typeof OpenAI.APIError>;
      expect({ status: e.status, code: e.code, param: e.param }).toEqual({ status, code, param });
      expect(typeof e.message).toBe("string");
    }
  });

  it("chat and completions work under /v1 too, where GET /v1/models stays Replicate's", async () => {
    const v1 = new OpenAI({ apiKey: TOKEN, baseURL: `${p.stack.baseUrl}/v1`, maxRetries: 0 });
    const res = await v1.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 2,
    });
    expect(res.usage?.completion_tokens).toBe(2);
    const models = await p.replicate.models.list();
    expect(models.results.map((m) => `${m.owner}/${m.name}`)).toContain(MODEL);
  });
});
