import { describe, expect, it } from "vitest";
import { REDACTED, redact, secretValues, serverFeatures } from "./server-features.ts";

describe("serverFeatures", () => {
  it("reads x-cog-streaming and the Secret inputs (direct or through allOf)", () => {
    const openapi = {
      paths: { "/predictions": { post: { "x-cog-streaming": true } } },
      components: {
        schemas: {
          Input: {
            properties: {
              prompt: { type: "string" },
              api_key: { type: "string", format: "password", "x-cog-secret": true },
              token: { allOf: [{ $ref: "#/components/schemas/Token" }], default: null },
            },
          },
          Token: { type: "string", format: "password", "x-cog-secret": true },
        },
      },
    };
    expect(serverFeatures(openapi)).toEqual({ streaming: true, secrets: ["api_key", "token"] });
  });

  it("is plain for a schema without them, or no schema", () => {
    expect(serverFeatures({ paths: { "/predictions": { post: {} } } })).toEqual({ streaming: false, secrets: [] });
    expect(serverFeatures(null)).toEqual({ streaming: false, secrets: [] });
  });
});

describe("redact", () => {
  it("replaces every occurrence of each secret value, longest first", () => {
    const values = secretValues({ api_key: "sk-abc", other: "sk-abcdef", n: 3, short: "ab" }, [
      "api_key",
      "other",
      "n",
      "short",
    ]);
    expect(values).toEqual(["sk-abcdef", "sk-abc"]);
    expect(redact("key sk-abcdef then sk-abc and ab", values)).toBe(`key ${REDACTED} then ${REDACTED} and ab`);
  });

  it("leaves a text without secrets as it is", () => {
    expect(redact("hello", [])).toBe("hello");
  });
});
