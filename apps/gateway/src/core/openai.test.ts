import { describe, expect, it } from "vitest";
import { inputSpec } from "./input-schema.ts";
import {
  callInput,
  chatPrompt,
  countTokens,
  maxTokensOf,
  openAiBinding,
  openAiError,
  StopScanner,
  streamsText,
} from "./openai.ts";

const openapi = (properties: Record<string, unknown>, required: string[], output: Record<string, unknown>) => ({
  components: { schemas: { Input: { type: "object", properties, required }, Output: output } },
});
const TEXT_STREAM = { type: "array", items: { type: "string" }, "x-cog-array-type": "iterator" };

describe("which models take OpenAI calls", () => {
  it("a text prompt (or messages) in, a stream of strings out", () => {
    const doc = openapi(
      { prompt: { type: "string" }, max_new_tokens: { type: "integer" }, temperature: { type: "number" } },
      ["prompt"],
      TEXT_STREAM,
    );
    expect(streamsText(doc)).toBe(true);
    expect(openAiBinding(inputSpec(doc), doc)).toMatchObject({
      prompt: "prompt",
      messages: null,
      maxTokens: "max_new_tokens",
      temperature: "temperature",
      seed: null,
    });
    const messages = openapi({ messages: { type: "string" } }, ["messages"], TEXT_STREAM);
    expect(openAiBinding(inputSpec(messages), messages)?.messages).toEqual({ name: "messages", json: true });
  });

  it("not a model that returns a file, takes no prompt, or requires another input", () => {
    const image = openapi({ prompt: { type: "string" } }, [], { type: "string", format: "uri" });
    const noPrompt = openapi({ tokens: { type: "integer" } }, [], TEXT_STREAM);
    const needsImage = openapi({ prompt: { type: "string" }, image: { type: "string" } }, ["image"], TEXT_STREAM);
    for (const doc of [image, noPrompt, needsImage]) expect(openAiBinding(inputSpec(doc), doc)).toBeNull();
  });
});

describe("a call as a prediction input", () => {
  const doc = openapi(
    {
      prompt: { type: "string" },
      system_prompt: { type: "string" },
      max_tokens: { type: "integer" },
      seed: { type: "integer" },
    },
    [],
    TEXT_STREAM,
  );
  const b = openAiBinding(inputSpec(doc), doc);
  if (!b) throw new Error("binds");

  it("a chat becomes a prompt, its system messages the system prompt, its parameters the model's", () => {
    const call = {
      kind: "chat" as const,
      body: {
        model: "a/b",
        messages: [
          { role: "system" as const, content: "Be brief." },
          { role: "user" as const, content: [{ type: "text" as const, text: "Hi" }] },
          { role: "assistant" as const, content: "Hello." },
          { role: "user" as const, content: "Again" },
        ],
        max_completion_tokens: 9,
        max_tokens: 3,
        seed: 4,
        temperature: 0.5,
      },
    };
    const { input, promptText } = callInput(b, call);
    expect(input).toEqual({
      system_prompt: "Be brief.",
      prompt: "User: Hi\nAssistant: Hello.\nUser: Again\nAssistant:",
      max_tokens: 9,
      seed: 4,
    });
    expect(promptText).toContain("Be brief.");
    expect(maxTokensOf(call)).toBe(9);
    expect(chatPrompt(call.body.messages)).toMatch(/^Be brief\.\n\nUser: Hi/);
  });

  it("a completion's prompt is the prompt", () => {
    expect(callInput(b, { kind: "completion", body: { model: "a/b", prompt: ["Once"] } }).input).toEqual({
      prompt: "Once",
    });
  });
});

describe("stop sequences", () => {
  it("cut the text before the first stop, across tokens, holding back what may start one", () => {
    const s = new StopScanner(["\n\n", "END"]);
    expect(s.push("Hello E")).toEqual({ text: "Hello ", stopped: false });
    expect(s.push("N")).toEqual({ text: "", stopped: false });
    expect(s.push("Dless")).toEqual({ text: "", stopped: true });
    expect(s.push("more")).toEqual({ text: "", stopped: true });
  });

  it("release what they held back when the text ends, and pass everything without stops", () => {
    const s = new StopScanner("END");
    expect(s.push("the EN").text).toBe("the ");
    expect(s.flush()).toBe("EN");
    const none = new StopScanner(null);
    expect(none.push("a\n\n").text).toBe("a\n\n");
  });
});

describe("counting and errors", () => {
  it("counts words and punctuation marks as tokens", () => {
    expect(countTokens("Hello, world! It's 2026.")).toBe(9);
    expect(countTokens("")).toBe(0);
  });

  it("answers errors in OpenAI's shape; 422 is a 400; only 429 and 503 are worth a retry", () => {
    expect(openAiError(422, "bad", { param: "max_tokens" })).toEqual({
      status: 400,
      body: { error: { message: "bad", type: "invalid_request_error", param: "max_tokens", code: "invalid_value" } },
      retry: false,
    });
    expect(openAiError(503, "down", { retryAfter: 5 })).toMatchObject({ retry: true, retryAfter: 5 });
    expect(openAiError(500, "model failed", { code: "prediction_failed" }).retry).toBe(false);
  });
});
