import { describe, expect, it } from "vitest";
import { extensionFor, hasDataUrl, mapDataUrls, parseDataUrl } from "./data-url.ts";

const text = (d: { bytes: Uint8Array } | null) => Buffer.from(d?.bytes ?? []).toString("utf8");

describe("parseDataUrl", () => {
  it("reads Cog's base64 file output (reference §2.3)", () => {
    const d = parseDataUrl("data:text/plain;base64,aGVsbG8gZmlsZQ==");
    expect(d?.contentType).toBe("text/plain");
    expect(text(d)).toBe("hello file");
  });

  it("keeps media-type parameters and lower-cases the type", () => {
    expect(parseDataUrl("data:Text/Plain;charset=utf-8;base64,aGk=")?.contentType).toBe("text/plain;charset=utf-8");
  });

  it("percent-decodes non-base64 data, byte for byte", () => {
    const d = parseDataUrl("data:application/octet-stream,%FF%00a b");
    expect([...(d?.bytes ?? [])]).toEqual([0xff, 0x00, 0x61, 0x20, 0x62]);
  });

  it("defaults the type to text/plain;charset=US-ASCII", () => {
    expect(parseDataUrl("data:,hi")?.contentType).toBe("text/plain;charset=US-ASCII");
    expect(parseDataUrl("data:;base64,aGk=")?.contentType).toBe("text/plain;charset=US-ASCII");
  });

  it.each([["data:image/png;base64"], ["data:image/png;base64,***"], ["data:,%G1"], ["http://x/y.png"]])(
    "is null for %s",
    (url) => {
      expect(parseDataUrl(url)).toBeNull();
    },
  );
});

describe("finding and replacing data URLs in output", () => {
  const output = { images: ["data:image/png;base64,AAAA", "https://x/y.png"], caption: "hi", n: 2, none: null };

  it("finds them in nested arrays and objects", () => {
    expect(hasDataUrl(output)).toBe(true);
    expect(hasDataUrl(["tok0", " tok1"])).toBe(false);
    expect(hasDataUrl("data:,x")).toBe(true);
    expect(hasDataUrl(null)).toBe(false);
  });

  it("replaces only them, keeping everything else", async () => {
    const seen: string[] = [];
    const mapped = await mapDataUrls(output, async (url) => {
      seen.push(url);
      return "http://stored/1";
    });
    expect(mapped).toEqual({ images: ["http://stored/1", "https://x/y.png"], caption: "hi", n: 2, none: null });
    expect(seen).toEqual(["data:image/png;base64,AAAA"]);
  });

  it("returns the same value when there is nothing to replace", async () => {
    const tokens = ["a", "b"];
    expect(await mapDataUrls(tokens, async () => "x")).toBe(tokens);
  });
});

describe("extensionFor", () => {
  it.each([
    ["image/png", "png"],
    ["image/jpeg", "jpg"],
    ["text/plain;charset=utf-8", "txt"],
    ["application/x-unknown", "bin"],
  ])("%s → %s", (type, ext) => {
    expect(extensionFor(type)).toBe(ext);
  });
});
