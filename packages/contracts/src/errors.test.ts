import { describe, expect, it } from "vitest";
import { AppError, ERROR_CODES, NOT_FOUND_DETAIL, Problem, UNAUTHENTICATED_DETAIL } from "./errors.ts";

describe("AppError.toProblem", () => {
  it("writes the recorded 401 body exactly (reference §1.2)", () => {
    const problem = new AppError("UNAUTHENTICATED", UNAUTHENTICATED_DETAIL).toProblem();
    expect(JSON.stringify(problem)).toBe(
      '{"title":"Unauthenticated","detail":"You did not pass a valid authentication token","status":401}',
    );
  });

  it("leaves out invalid_fields and retry_after when not given", () => {
    const problem = new AppError("NOT_FOUND", NOT_FOUND_DETAIL).toProblem();
    expect(problem).toEqual({ title: "Not found", detail: "The requested resource could not be found.", status: 404 });
    expect(problem).not.toHaveProperty("invalid_fields");
    expect(problem).not.toHaveProperty("retry_after");
  });

  it("carries a title override, invalid_fields and retry_after", () => {
    const invalidFields = [{ type: "required", field: "input", description: "prompt is required" }];
    const problem = new AppError("INPUT_VALIDATION", "- input: prompt is required\n", { invalidFields }).toProblem();
    expect(problem).toEqual({
      title: "Input validation failed",
      detail: "- input: prompt is required\n",
      status: 422,
      invalid_fields: invalidFields,
    });
    const limited = new AppError("RATE_LIMITED", "Request was throttled.", { title: "Throttled", retryAfter: 0 });
    expect(limited.toProblem()).toEqual({
      title: "Throttled",
      detail: "Request was throttled.",
      status: 429,
      retry_after: 0,
    });
  });

  it("is always a valid Problem", () => {
    for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) {
      const problem = new AppError(code, "x", { retryAfter: 1 }).toProblem();
      expect(Problem.parse(problem)).toEqual(problem);
      expect(problem.status).toBe(ERROR_CODES[code].status);
    }
  });
});

describe("AppError", () => {
  it("is an Error with its code, status, cause and expected flag", () => {
    const cause = new Error("root");
    const error = new AppError("INTERNAL", "boom", { cause, expected: false });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("AppError");
    expect(error.message).toBe("boom");
    expect(error.status).toBe(500);
    expect(error.cause).toBe(cause);
    expect(error.expected).toBe(false);
    expect(new AppError("NOT_FOUND", "x").expected).toBe(true);
  });
});

describe("ERROR_CODES", () => {
  it("uses error statuses, and retryable only where a retry can help", () => {
    for (const { status, retryable } of Object.values(ERROR_CODES)) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      if (status >= 500 || status === 429) expect(retryable).toBe(true);
    }
    expect(ERROR_CODES.INPUT_VALIDATION.status).toBe(422);
  });
});
