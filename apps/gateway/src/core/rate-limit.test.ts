import { describe, expect, it } from "vitest";
import { limitClass, take } from "./rate-limit.ts";

describe("take", () => {
  it("allows a burst of the capacity, then refuses with the seconds until one fits", () => {
    let bucket: ReturnType<typeof take>["bucket"] | undefined;
    for (let i = 0; i < 600; i++) {
      const v = take(bucket, 600, 0);
      expect(v.allowed).toBe(true);
      expect(v.remaining).toBe(599 - i);
      bucket = v.bucket;
    }
    const refused = take(bucket, 600, 0);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, reset: 1 });
    // 100 ms later one token (600/min = 10/s) has come back.
    expect(take(refused.bucket, 600, 100).allowed).toBe(true);
  });

  it("refills continuously up to the capacity, never past it", () => {
    const v = take({ tokens: 0, at: 0 }, 60, 10 * 60_000);
    expect(v.remaining).toBe(59);
  });
});

describe("limitClass", () => {
  it("counts the create-prediction endpoints (OpenAI's completions too) as creates", () => {
    expect(limitClass("POST", "/v1/predictions")).toBe("create");
    expect(limitClass("POST", "/v1/chat/completions")).toBe("create");
    expect(limitClass("POST", "/openai/v1/completions")).toBe("create");
    expect(limitClass("GET", "/openai/v1/models")).toBe("other");
    expect(limitClass("POST", "/v1/models/a/b/predictions")).toBe("create");
    expect(limitClass("POST", "/v1/deployments/a/b/predictions")).toBe("create");
    expect(limitClass("POST", "/v1/predictions/abc/cancel")).toBe("other");
    expect(limitClass("GET", "/v1/predictions")).toBe("other");
  });
});
