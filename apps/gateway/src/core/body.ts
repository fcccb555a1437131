import { AppError, type InvalidField } from "@gantry/contracts/errors";
import type { z } from "zod";

/**
 * Parses a JSON request body with its contract. Malformed JSON is a 400; a body of the wrong
 * shape is a 422 with `invalid_fields`, in Replicate's wording.
 */
export function parseBody<S extends z.ZodType>(schema: S, text: string): z.output<S> {
  let raw: unknown;
  try {
    raw = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new AppError("BAD_REQUEST", "The request body is not valid JSON.", { title: "Invalid JSON" });
  }
  const parsed = schema.safeParse(raw, { reportInput: true });
  if (parsed.success) return parsed.data;
  const problems: InvalidField[] = parsed.error.issues.map((issue) => {
    const field = issue.path.join(".");
    if (issue.code === "unrecognized_keys") {
      return {
        type: "additional_property_not_allowed",
        field,
        description: `Additional property ${issue.keys.join(", ")} is not allowed`,
      };
    }
    if (issue.code === "invalid_type" && issue.input === undefined) {
      return { type: "required", field: field || "body", description: `${field} is required` };
    }
    return { type: issue.code === "invalid_type" ? "invalid_type" : issue.code, field, description: issue.message };
  });
  throw new AppError("UNPROCESSABLE", problems.map((p) => `- ${p.field}: ${p.description}\n`).join(""), {
    title: "Validation failed",
    invalidFields: problems,
  });
}
