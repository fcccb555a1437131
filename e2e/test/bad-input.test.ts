import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(async () => {
  await p?.close();
});

async function refused(path: string, body: string, headers: Record<string, string> = {}) {
  const before = await p.counts();
  const res = await p.api(path, { method: "POST", body, headers });
  const problem = (await res.json()) as Record<string, unknown>;
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  expect(await p.counts()).toEqual(before);
  return { status: res.status, problem };
}

describe("bad input gets problem details and changes nothing", () => {
  it("malformed JSON → 400", async () => {
    const { status, problem } = await refused("/v1/predictions", "{not json");
    expect(status).toBe(400);
    expect(problem).toMatchObject({ status: 400, title: "Invalid JSON" });
  });

  it("missing input → 422 naming the field", async () => {
    const { status, problem } = await refused("/v1/models/gantry/test/predictions", "{}");
    expect(status).toBe(422);
    expect(problem.invalid_fields).toEqual([{ type: "required", field: "input", description: "input is required" }]);
  });

  it("unknown model by path → 404", async () => {
    const { status, problem } = await refused("/v1/models/nobody/nothing/predictions", '{"input":{}}');
    expect(status).toBe(404);
    expect(problem).toMatchObject({ status: 404, detail: "The requested resource could not be found." });
  });

  it("unknown version → 422 Invalid version or not permitted", async () => {
    const { status, problem } = await refused(
      "/v1/predictions",
      JSON.stringify({ version: "f".repeat(64), input: {} }),
    );
    expect(status).toBe(422);
    expect(problem.title).toBe("Invalid version or not permitted");
  });

  it("wrong input types → 422 with invalid_fields in Replicate's shape", async () => {
    const { status, problem } = await refused(
      "/v1/models/gantry/test/predictions",
      JSON.stringify({ input: { tokens: "many", token_delay_ms: -1 } }),
    );
    expect(status).toBe(422);
    expect(problem.title).toBe("Input validation failed");
    expect(problem.invalid_fields).toEqual([
      { type: "invalid_type", field: "input.tokens", description: "Invalid type. Expected: integer, given: string" },
      { type: "number_gte", field: "input.token_delay_ms", description: "Must be greater than or equal to 0" },
    ]);
    expect(problem.detail).toBe(
      "- input.tokens: Invalid type. Expected: integer, given: string\n- input.token_delay_ms: Must be greater than or equal to 0\n",
    );
  });

  it("unknown body fields → 422", async () => {
    const { status } = await refused(
      "/v1/models/gantry/test/predictions",
      JSON.stringify({ input: {}, colour: "red" }),
    );
    expect(status).toBe(422);
  });

  it("no token → 401 with the exact body", async () => {
    const res = await fetch(`${p.stack.baseUrl}/v1/predictions/abc`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      title: "Unauthenticated",
      detail: "You did not pass a valid authentication token",
      status: 401,
    });
  });

  it("an unknown prediction id → 404", async () => {
    const res = await p.api("/v1/predictions/aaaaaaaaaaaaaaaaaaaaaaaaaa");
    expect(res.status).toBe(404);
  });
});
