import { MAX_ERROR_BYTES, MAX_INLINE_OUTPUT_BYTES, MAX_LOGS_BYTES } from "@gantry/contracts/record-limits";
import { describe, expect, it } from "vitest";
import { capError, capLogs, oversizedOutputJson } from "./record-caps.ts";

const bytes = (s: string) => new TextEncoder().encode(s).length;

describe("record caps", () => {
  it("keeps small logs and errors as they are", () => {
    expect(capLogs("hello\n")).toBe("hello\n");
    expect(capError("boom")).toBe("boom");
  });

  it("cuts huge logs to their head with a marker saying how much was dropped", () => {
    const logs = "x".repeat(MAX_LOGS_BYTES + 1000);
    const capped = capLogs(logs);
    expect(capped.startsWith("x".repeat(MAX_LOGS_BYTES))).toBe(true);
    expect(capped).toMatch(/\[logs truncated: 1000 more bytes not stored\]\n$/);
    // A longer snapshot of the same logs cuts to the same text (progress writes stop).
    expect(capLogs(`${logs}more`).startsWith(capped.slice(0, MAX_LOGS_BYTES))).toBe(true);
  });

  it("never cuts inside a multi-byte character", () => {
    const capped = capError("é".repeat(MAX_ERROR_BYTES));
    const head = capped.slice(0, capped.indexOf("…"));
    expect(head).toBe("é".repeat(MAX_ERROR_BYTES / 2));
    expect(bytes(head)).toBeLessThanOrEqual(MAX_ERROR_BYTES);
    expect(capped).not.toContain("\uFFFD");
  });

  it("names outputs too large to keep inline", () => {
    expect(oversizedOutputJson(["a", "b"])).toBeNull();
    expect(oversizedOutputJson(null)).toBeNull();
    const big = ["y".repeat(MAX_INLINE_OUTPUT_BYTES)];
    expect(oversizedOutputJson(big)).toBe(JSON.stringify(big));
  });
});
