import { testModel } from "@gantry/demo-models/test-model";
import { describe, expect, it } from "vitest";
import { initialValues, inputFields, outputConcatenates, toInput, trainingSchema } from "./schema.ts";

/** Shaped like a real Cog schema (reference §8.2): `$ref` enums, an inline enum, a file, a secret. */
const schema = {
  components: {
    schemas: {
      Input: {
        type: "object",
        required: ["prompt"],
        properties: {
          scheduler: { allOf: [{ $ref: "#/components/schemas/scheduler" }], default: "K_EULER", "x-order": 2 },
          prompt: { type: "string", title: "Prompt", "x-order": 0, description: "What to draw" },
          steps: { type: "integer", default: 25, minimum: 1, maximum: 500, "x-order": 1 },
          size: { type: "integer", enum: [512, 768], default: 512, "x-order": 3 },
          image: { type: "string", format: "uri", "x-order": 4 },
          images: { type: "array", items: { type: "string", format: "uri" }, "x-order": 5 },
          api_key: { type: "string", format: "password", writeOnly: true, "x-cog-secret": true, "x-order": 6 },
          guidance: { type: "number", default: 7.5, "x-order": 7 },
          safe: { type: "boolean", default: true, "x-order": 8 },
          stops: { type: "array", items: { type: "string" } },
        },
      },
      scheduler: { enum: ["DDIM", "K_EULER"], type: "string", title: "scheduler", description: "An enumeration." },
      Output: {
        type: "array",
        items: { type: "string" },
        "x-cog-array-type": "iterator",
        "x-cog-array-display": "concatenate",
      },
    },
  },
};

describe("inputFields", () => {
  const fields = inputFields(schema);

  it("orders by x-order, unordered last, and types each field", () => {
    expect(fields.map((f) => [f.name, f.kind])).toEqual([
      ["prompt", "text"],
      ["steps", "integer"],
      ["scheduler", "enum"],
      ["size", "enum"],
      ["image", "file"],
      ["images", "files"],
      ["api_key", "secret"],
      ["guidance", "number"],
      ["safe", "boolean"],
      ["stops", "list"],
    ]);
  });

  it("resolves $ref enums and keeps defaults, bounds and requiredness", () => {
    const by = Object.fromEntries(fields.map((f) => [f.name, f]));
    expect(by.scheduler).toMatchObject({ options: ["DDIM", "K_EULER"], default: "K_EULER", description: null });
    expect(by.steps).toMatchObject({ minimum: 1, maximum: 500, default: 25, required: false });
    expect(by.prompt).toMatchObject({ required: true, title: "Prompt", description: "What to draw" });
  });

  it("reads the demo model's schema", () => {
    const demo = inputFields(testModel.openapi);
    expect(demo.map((f) => f.name)).toEqual(["tokens", "token_delay_ms", "sleep_ms", "fail", "log_lines"]);
    expect(outputConcatenates(testModel.openapi)).toBe(true);
    expect(inputFields(null)).toEqual([]);
  });
});

describe("toInput", () => {
  const fields = inputFields(schema);

  it("types values, leaves blank optional fields out and uploads files", async () => {
    const values = {
      ...initialValues(fields),
      prompt: "a cat",
      guidance: "",
      size: "768",
      images: [new File(["x"], "a.png"), new File(["y"], "b.png")],
      stops: "end\n\nstop",
    };
    const uploaded: string[] = [];
    const input = await toInput(fields, values, async (f) => {
      uploaded.push(f.name);
      return `http://api/v1/files/${f.name}`;
    });
    expect(input).toEqual({
      prompt: "a cat",
      steps: 25,
      scheduler: "K_EULER",
      size: 768,
      images: ["http://api/v1/files/a.png", "http://api/v1/files/b.png"],
      safe: true,
      stops: ["end", "stop"],
    });
    expect(uploaded).toEqual(["a.png", "b.png"]);
  });
});

describe("trainingSchema", () => {
  it("puts a trainable version's TrainingInput in the place of Input, so the form reads it", () => {
    const TrainingInput = {
      type: "object",
      required: ["text"],
      properties: { text: { type: "string", "x-order": 0 }, strength: { type: "integer", default: 10, "x-order": 1 } },
    };
    const openapi = { components: { schemas: { Input: { type: "object", properties: {} }, TrainingInput } } };
    const fields = inputFields(trainingSchema(openapi));
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ["text", "text", true],
      ["strength", "integer", false],
    ]);
  });

  it("is null for a version without a trainer", () => {
    expect(trainingSchema({ components: { schemas: { Input: { type: "object", properties: {} } } } })).toBeNull();
    expect(trainingSchema(null)).toBeNull();
  });
});
