import { describe, expect, it } from "vitest";
import { parseAuthorization } from "./auth.ts";

describe("parseAuthorization", () => {
  it.each([
    ["Bearer r8_abc123", "r8_abc123"],
    ["Token r8_abc123", "r8_abc123"],
    ["bearer r8_abc123", "r8_abc123"],
    ["TOKEN r8_abc123", "r8_abc123"],
    ["Bearer   r8_abc123  ", "r8_abc123"],
  ])("reads the token from %j", (header, token) => {
    expect(parseAuthorization(header)).toBe(token);
  });

  it.each([undefined, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "r8_abc123", "Bearer a b", "Bearerr8_abc"])(
    "is null for %j",
    (header) => {
      expect(parseAuthorization(header)).toBeNull();
    },
  );
});
