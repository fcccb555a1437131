import { AppError } from "@gantry/contracts/errors";
import { describe, expect, it } from "vitest";
import { extractDataUrls, jsonBytes } from "./data-url-inputs.ts";

const ids = () => {
  let n = 0;
  return () => `f${String(n++).padStart(25, "0")}`;
};
const opts = () => ({ thresholdBytes: 16, newId: ids(), urlFor: (id: string) => `https://api.test/v1/files/${id}` });

describe("extractDataUrls", () => {
  it("takes large data URLs out at any depth, decoded, and leaves small ones and other strings", () => {
    const bytes = Uint8Array.from({ length: 40 }, (_, i) => i * 5);
    const b64 = `data:image/png;base64,${btoa(String.fromCharCode(...bytes))}`;
    const text = `data:text/plain,${"caf%C3%A9 ".repeat(4)}`;
    const input = { a: b64, nested: { list: ["data:,hi", text] }, n: 3, s: "x".repeat(100) };
    const out = extractDataUrls(input, opts());
    expect(out.input).toEqual({
      a: "https://api.test/v1/files/f0000000000000000000000000",
      nested: { list: ["data:,hi", "https://api.test/v1/files/f0000000000000000000000001"] },
      n: 3,
      s: "x".repeat(100),
    });
    expect(out.files.map((f) => [f.field, f.contentType, f.name])).toEqual([
      ["input.a", "image/png", "a.png"],
      ["input.nested.list.1", "text/plain", "list.txt"],
    ]);
    expect(out.files[0]?.bytes).toEqual(bytes);
    expect(new TextDecoder().decode(out.files[1]?.bytes)).toBe("café ".repeat(4));
  });

  it("returns an input without large data URLs unchanged (the same object)", () => {
    const input = { a: "data:,short", b: "https://example.com/x.png" };
    const out = extractDataUrls(input, opts());
    expect(out.input).toBe(input);
    expect(out.files).toEqual([]);
  });

  it("refuses a large data: string that does not decode with a 422 on its field", () => {
    const bad = { img: `data:image/png;base64,${"!".repeat(40)}`, txt: `data:text/plain,${"%zz".repeat(10)}` };
    let caught: unknown;
    try {
      extractDataUrls(bad, opts());
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).status).toBe(422);
    expect((caught as AppError).invalidFields?.map((f) => f.field)).toEqual(["input.img", "input.txt"]);
  });

  it("measures JSON in UTF-8 bytes", () => {
    expect(jsonBytes({ a: "é" })).toBe(10);
  });
});
