import { describe, expect, it } from "vitest";
import { inputSpec, problemDetail, validateInput } from "./input-schema.ts";

/** A Cog-style OpenAPI document (reference §8.2): enum via `allOf: [$ref]`, an inline enum, a secret. */
const OPENAPI = {
  openapi: "3.0.2",
  info: { title: "Cog", version: "0.1.0" },
  components: {
    schemas: {
      Input: {
        type: "object",
        title: "Input",
        required: ["prompt"],
        properties: {
          prompt: { type: "string", title: "Prompt", "x-order": 0, minLength: 1, maxLength: 10 },
          num_outputs: { type: "integer", title: "Num Outputs", default: 1, minimum: 1, maximum: 4, "x-order": 1 },
          guidance: { type: "number", default: 7.5, minimum: 0, maximum: 20 },
          output_format: {
            allOf: [{ $ref: "#/components/schemas/output_format" }],
            default: "png",
            "x-order": 2,
            description: "Format of the output images",
          },
          quality: { type: "string", enum: ["low", "high"], default: "high" },
          seed: { type: "integer", title: "Seed", default: null, nullable: true },
          safe: { type: "boolean", default: true },
          images: { type: "array", items: { type: "string", format: "uri" } },
          api_key: { type: "string", format: "password", writeOnly: true, "x-cog-secret": true },
        },
      },
      output_format: { enum: ["jpg", "png"], type: "string", title: "output_format", description: "An enumeration." },
    },
  },
};

const spec = inputSpec(OPENAPI);

function problems(input: Record<string, unknown>) {
  const result = validateInput(spec, input);
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.input)}`);
  return result.problems;
}

describe("inputSpec", () => {
  it("resolves an allOf $ref enum and keeps the property's own keys", () => {
    expect(spec.properties.output_format).toMatchObject({
      enum: ["jpg", "png"],
      type: "string",
      default: "png",
      description: "Format of the output images",
    });
    expect(spec.properties.output_format).not.toHaveProperty("allOf");
  });

  it("resolves a direct $ref", () => {
    const s = inputSpec({
      components: {
        schemas: {
          Input: { properties: { fmt: { $ref: "#/components/schemas/fmt" } } },
          fmt: { type: "string", enum: ["a"] },
        },
      },
    });
    expect(s.properties.fmt).toEqual({ type: "string", enum: ["a"] });
  });

  it("lists required fields and secrets", () => {
    expect(spec.required).toEqual(["prompt"]);
    expect(spec.secrets).toEqual(["api_key"]);
  });

  it("is empty for a document without an Input schema", () => {
    const empty = inputSpec({});
    expect(empty).toEqual({ properties: {}, required: [], secrets: [] });
    expect(validateInput(empty, {})).toEqual({ ok: true, input: {} });
  });
});

describe("validateInput", () => {
  it("applies defaults, but not null ones", () => {
    expect(validateInput(spec, { prompt: "cat" })).toEqual({
      ok: true,
      input: { prompt: "cat", num_outputs: 1, guidance: 7.5, output_format: "png", quality: "high", safe: true },
    });
  });

  it("keeps given values over defaults", () => {
    const result = validateInput(spec, { prompt: "cat", num_outputs: 4, output_format: "jpg", seed: null });
    expect(result.ok && result.input).toMatchObject({ num_outputs: 4, output_format: "jpg", seed: null });
  });

  it("requires required fields, as Replicate words it", () => {
    expect(problems({})).toEqual([{ type: "required", field: "input", description: "prompt is required" }]);
  });

  it("refuses an enum value outside a $ref enum, as Replicate words it", () => {
    const found = problems({ prompt: "cat", output_format: "webp" });
    expect(found).toEqual([
      {
        type: "enum",
        field: "input.output_format",
        description: 'output_format must be one of the following: "jpg", "png"',
      },
    ]);
    // The exact `detail` of the recorded 422 (reference §1.3).
    expect(problemDetail(found)).toBe(
      '- input.output_format: output_format must be one of the following: "jpg", "png"\n',
    );
  });

  it("refuses a value outside an inline enum", () => {
    expect(problems({ prompt: "cat", quality: "medium" })).toEqual([
      { type: "enum", field: "input.quality", description: 'quality must be one of the following: "low", "high"' },
    ]);
  });

  it("refuses unknown fields with field ''", () => {
    expect(problems({ prompt: "cat", model: "x" })).toEqual([
      { type: "additional_property_not_allowed", field: "", description: "Additional property model is not allowed" },
    ]);
  });

  it("checks numeric bounds", () => {
    expect(problems({ prompt: "cat", num_outputs: 5 })).toEqual([
      { type: "number_lte", field: "input.num_outputs", description: "Must be less than or equal to 4" },
    ]);
    expect(problems({ prompt: "cat", num_outputs: 0 })).toEqual([
      { type: "number_gte", field: "input.num_outputs", description: "Must be greater than or equal to 1" },
    ]);
    expect(validateInput(spec, { prompt: "cat", num_outputs: 4, guidance: 0 }).ok).toBe(true);
  });

  it("checks string lengths", () => {
    expect(problems({ prompt: "" })).toEqual([
      {
        type: "string_gte",
        field: "input.prompt",
        description: "String length must be greater than or equal to 1",
      },
    ]);
    expect(problems({ prompt: "x".repeat(11) })[0]?.type).toBe("string_lte");
  });

  it.each([
    ["prompt", 3, "Invalid type. Expected: string, given: number"],
    ["num_outputs", 1.5, "Invalid type. Expected: integer, given: number"],
    ["num_outputs", "2", "Invalid type. Expected: integer, given: string"],
    ["guidance", "7", "Invalid type. Expected: number, given: string"],
    ["safe", "yes", "Invalid type. Expected: boolean, given: string"],
    ["images", "http://x/a.png", "Invalid type. Expected: array, given: string"],
    ["api_key", null, "Invalid type. Expected: string, given: null"],
    ["api_key", ["a"], "Invalid type. Expected: string, given: array"],
  ])("refuses %s = %j", (name, value, description) => {
    // A computed key after `prompt` overrides it, so this also covers a mistyped prompt.
    expect(problems({ prompt: "cat", [name]: value })).toEqual([
      { type: "invalid_type", field: `input.${name}`, description },
    ]);
  });

  it("accepts null for a nullable field", () => {
    expect(validateInput(spec, { prompt: "cat", seed: null }).ok).toBe(true);
  });

  it("checks array items with an indexed field", () => {
    expect(problems({ prompt: "cat", images: ["http://x/a.png", 7] })).toEqual([
      { type: "invalid_type", field: "input.images.1", description: "Invalid type. Expected: string, given: number" },
    ]);
  });

  it("reports every problem at once", () => {
    const found = problems({ num_outputs: 9, extra: true });
    expect(found.map((p) => p.type).sort()).toEqual(["additional_property_not_allowed", "number_lte", "required"]);
  });
});

describe("problemDetail", () => {
  it("writes one '- <field>: <description>' line per problem", () => {
    expect(
      problemDetail([
        { type: "required", field: "input", description: "prompt is required" },
        { type: "additional_property_not_allowed", field: "", description: "Additional property model is not allowed" },
      ]),
    ).toBe("- input: prompt is required\n- : Additional property model is not allowed\n");
  });

  it("is empty for no problems", () => {
    expect(problemDetail([])).toBe("");
  });
});
