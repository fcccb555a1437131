import { AppError } from "@gantry/contracts/errors";
import { CreatePredictionBody } from "@gantry/contracts/prediction";
import { describe, expect, it } from "vitest";
import { parseBody } from "./body.ts";

const VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";

function thrown(text: string): AppError {
  try {
    parseBody(CreatePredictionBody, text);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected parseBody to throw");
}

describe("parseBody", () => {
  it("returns the parsed body", () => {
    expect(parseBody(CreatePredictionBody, JSON.stringify({ version: VERSION, input: { text: "hi" } }))).toEqual({
      version: VERSION,
      input: { text: "hi" },
    });
  });

  it.each(["{", "{version:1}", "not json", "[1,"])("is a 400 for malformed JSON %j", (text) => {
    const error = thrown(text);
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.status).toBe(400);
    expect(error.toProblem()).toEqual({
      title: "Invalid JSON",
      detail: "The request body is not valid JSON.",
      status: 400,
    });
  });

  it("is a 422 listing unknown keys like Replicate (field '')", () => {
    const error = thrown(JSON.stringify({ version: VERSION, input: {}, model: "x" }));
    expect(error.status).toBe(422);
    expect(error.invalidFields).toEqual([
      { type: "additional_property_not_allowed", field: "", description: "Additional property model is not allowed" },
    ]);
    expect(error.message).toBe("- : Additional property model is not allowed\n");
    expect(error.toProblem()).toMatchObject({ title: "Validation failed", status: 422 });
  });

  it("is a 422 for missing fields, an empty body included", () => {
    for (const text of ["", "  ", "{}"]) {
      const error = thrown(text);
      expect(error.status).toBe(422);
      expect(error.invalidFields).toEqual([
        { type: "required", field: "version", description: "version is required" },
        { type: "required", field: "input", description: "input is required" },
      ]);
      expect(error.message).toBe("- version: version is required\n- input: input is required\n");
    }
  });

  it("is a 422 naming the field for a wrong type", () => {
    const error = thrown(JSON.stringify({ version: 1, input: {} }));
    expect(error.status).toBe(422);
    expect(error.invalidFields).toHaveLength(1);
    expect(error.invalidFields?.[0]).toMatchObject({ type: "invalid_type", field: "version" });
    expect(error.message).toMatch(/^- version: .+\n$/);
  });

  it("names nested fields with dots", () => {
    const error = thrown(JSON.stringify({ version: VERSION, input: {}, webhook_events_filter: ["start", "nope"] }));
    expect(error.status).toBe(422);
    expect(error.invalidFields?.[0]?.field).toBe("webhook_events_filter.1");
  });

  it("is a 422 for a JSON value that is not an object", () => {
    for (const text of ["null", "[]", "42", '"x"']) {
      const error = thrown(text);
      expect(error.status).toBe(422);
      expect(error.invalidFields).toHaveLength(1);
    }
  });
});
