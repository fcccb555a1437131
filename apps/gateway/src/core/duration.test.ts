import { describe, expect, it } from "vitest";
import { parseCancelAfter } from "./duration.ts";

describe("parseCancelAfter", () => {
  it("reads Replicate's duration forms", () => {
    expect(parseCancelAfter("30s")).toBe(30_000);
    expect(parseCancelAfter("5m")).toBe(300_000);
    expect(parseCancelAfter("1h30m45s")).toBe(5_445_000);
    expect(parseCancelAfter("90")).toBe(90_000);
    expect(parseCancelAfter("5500ms")).toBe(5500);
    expect(parseCancelAfter(undefined)).toBeNull();
  });

  it("refuses what is not a duration, or under 5 s, with a 400", () => {
    for (const bad of ["", "soon", "5x", "-5s", "4s", "1m-", "s30"]) {
      expect(() => parseCancelAfter(bad), bad).toThrow(expect.objectContaining({ code: "BAD_REQUEST" }));
    }
  });
});
