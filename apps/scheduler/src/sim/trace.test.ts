import { describe, expect, it } from "vitest";
import { DEFAULT_HARDWARE, formatTrace, parseTrace } from "./trace.ts";

describe("trace CSV", () => {
  it("reads columns in any order, defaults the hardware, and sorts by arrival", () => {
    const rows = parseTrace("model,boot_ms,arrival_ms,predict_ms\nb,20000,500,1000\na,10000,100,2000\n");
    expect(rows).toEqual([
      { arrivalMs: 100, model: "a", predictMs: 2000, bootMs: 10000, hardware: DEFAULT_HARDWARE },
      { arrivalMs: 500, model: "b", predictMs: 1000, bootMs: 20000, hardware: DEFAULT_HARDWARE },
    ]);
  });

  it("round-trips through formatTrace, hardware included", () => {
    const rows = [
      { arrivalMs: 0, model: "m", predictMs: 5, bootMs: 10_000, hardware: "gpu-h100" },
      { arrivalMs: 0, model: "n", predictMs: 6, bootMs: 11_000, hardware: "gpu-t4" },
    ];
    expect(parseTrace(formatTrace(rows))).toEqual(rows);
  });

  it("names what is wrong", () => {
    expect(() => parseTrace("arrival_ms,model,predict_ms\n1,a,2\n")).toThrow(/boot_ms/);
    expect(() => parseTrace("arrival_ms,model,predict_ms,boot_ms\n1,a,x,2\n")).toThrow(/line 2: bad predict_ms/);
  });
});
