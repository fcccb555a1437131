import { describe, expect, it } from "vitest";
import { imageModel, paint } from "./image-model.ts";
import { pngSize } from "./png.ts";

const ctx = () => ({ signal: new AbortController().signal, log: () => {} });

describe("gantry/image", () => {
  it("returns one PNG data URL of the requested size", async () => {
    const out = (await imageModel.predict({ prompt: "a red fox", width: 64, height: 48, seed: 1 }, ctx())) as string[];
    expect(out).toHaveLength(1);
    const [head, b64] = (out[0] ?? "").split(",");
    expect(head).toBe("data:image/png;base64");
    expect(pngSize(Buffer.from(b64 ?? "", "base64"))).toEqual({ width: 64, height: 48 });
  });

  it("is the same for the same prompt and seed, and differs otherwise", () => {
    const a = paint("a red fox", 1, 32, 32);
    expect(paint("a red fox", 1, 32, 32)).toEqual(a);
    expect(paint("a red fox", 2, 32, 32)).not.toEqual(a);
    expect(paint("a blue whale", 1, 32, 32)).not.toEqual(a);
  });

  it("takes its main colour from a colour the prompt names", () => {
    const px = paint("red", 5, 16, 16);
    let r = 0;
    let b = 0;
    for (let i = 0; i < px.length; i += 3) {
      r += px[i] ?? 0;
      b += px[i + 2] ?? 0;
    }
    expect(r).toBeGreaterThan(b);
  });

  it("refuses sizes outside 16–1024", async () => {
    await expect(imageModel.predict({ prompt: "x", width: 8 }, ctx())).rejects.toThrow(/width/);
    await expect(imageModel.predict({ prompt: "x", height: 2048 }, ctx())).rejects.toThrow(/height/);
  });
});
