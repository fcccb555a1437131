import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32, encodePng, pngSize } from "./png.ts";

describe("crc32", () => {
  it("matches the standard check value", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe("encodePng", () => {
  const width = 3;
  const height = 2;
  const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => i * 10);
  const png = encodePng(width, height, rgb);

  it("writes the signature and an IHDR with the size, 8-bit truecolour", () => {
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(pngSize(png)).toEqual({ width, height });
    expect(png[24]).toBe(8);
    expect(png[25]).toBe(2);
  });

  it("has valid chunk CRCs and IDAT rows that inflate back to the pixels", () => {
    const chunks: { type: string; data: Buffer }[] = [];
    for (let at = 8; at < png.length; ) {
      const len = png.readUInt32BE(at);
      const type = png.toString("latin1", at + 4, at + 8);
      const data = png.subarray(at + 8, at + 8 + len);
      expect(png.readUInt32BE(at + 8 + len)).toBe(crc32(png.subarray(at + 4, at + 8 + len)));
      chunks.push({ type, data });
      at += 12 + len;
    }
    expect(chunks.map((c) => c.type)).toEqual(["IHDR", "IDAT", "IEND"]);
    const raw = inflateSync(chunks[1]?.data ?? Buffer.alloc(0));
    expect(raw.length).toBe((width * 3 + 1) * height);
    expect(raw[0]).toBe(0);
    expect([...raw.subarray(1, 1 + width * 3)]).toEqual([...rgb.subarray(0, width * 3)]);
  });

  it("refuses a wrong pixel count", () => {
    expect(() => encodePng(2, 2, new Uint8Array(5))).toThrow(/12 bytes/);
  });

  it("pngSize is null for anything else", () => {
    expect(pngSize(Buffer.from("GIF89a............................"))).toBeNull();
  });
});
