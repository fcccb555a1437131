import { describe, expect, it } from "vitest";
import { indexOfBytes, type MultipartEvent, multipartBoundary, readMultipart } from "./multipart.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Parts as {name, filename, type, text}, joining each part's data events. */
async function collect(events: AsyncIterable<MultipartEvent>) {
  const parts: { name: string; filename?: string; type?: string; bytes: number[] }[] = [];
  for await (const e of events) {
    if (e.kind === "part") {
      parts.push({
        name: e.head.name,
        ...(e.head.filename !== undefined ? { filename: e.head.filename } : {}),
        ...(e.head.contentType !== undefined ? { type: e.head.contentType } : {}),
        bytes: [],
      });
    } else parts.at(-1)?.bytes.push(...e.chunk);
  }
  return parts.map(({ bytes, ...p }) => ({ ...p, text: dec.decode(new Uint8Array(bytes)) }));
}

/** The body fetch itself sends for a FormData, and its boundary. */
async function serialize(form: FormData): Promise<{ body: Uint8Array; boundary: string }> {
  const res = new Response(form);
  const boundary = multipartBoundary(res.headers.get("content-type") ?? undefined) ?? "";
  return { body: new Uint8Array(await res.arrayBuffer()), boundary };
}

describe("multipartBoundary", () => {
  it.each([
    ["multipart/form-data; boundary=abc", "abc"],
    ['multipart/form-data; boundary="a b:c"', "a b:c"],
    ["Multipart/Form-Data;charset=utf-8;BOUNDARY=----x", "----x"],
  ])("%s → %s", (header, boundary) => {
    expect(multipartBoundary(header)).toBe(boundary);
  });

  it.each([[undefined], ["application/json"], ["multipart/form-data"], ["multipart/mixed; boundary=x"]])(
    "%s has none",
    (header) => {
      expect(multipartBoundary(header)).toBeNull();
    },
  );
});

describe("indexOfBytes", () => {
  it("finds a needle anywhere, or -1", () => {
    const hay = enc.encode("ab\r\n\r\r\n--xyz");
    expect(indexOfBytes(hay, enc.encode("\r\n--x"))).toBe(5);
    expect(indexOfBytes(hay, enc.encode("\r\n"), 3)).toBe(5);
    expect(indexOfBytes(hay, enc.encode("\r\n"), 6)).toBe(-1);
    expect(indexOfBytes(hay, enc.encode("xyzz"))).toBe(-1);
  });
});

describe("readMultipart", () => {
  it("reads what fetch sends for a FormData, however the body is split", async () => {
    const form = new FormData();
    const binary = new Uint8Array(1000).map((_, i) => (i * 7) % 256);
    form.append("content", new Blob([binary], { type: "image/png" }), "pic ü.png");
    form.append("metadata", new Blob([JSON.stringify({ a: 1 })], { type: "application/json" }), "blob");
    form.append("type", "text/plain");
    const { body, boundary } = await serialize(form);
    for (const size of [1, 2, 3, 7, 40, 41, 42, 100, 1000, body.length]) {
      const parts: { name: string; filename?: string | undefined; contentType?: string | undefined; bytes: number }[] =
        [];
      let content: number[] = [];
      for await (const e of readMultipart(chunked(body, size), boundary)) {
        if (e.kind === "part") parts.push({ ...e.head, bytes: 0 });
        else {
          const last = parts.at(-1);
          if (last) last.bytes += e.chunk.length;
          if (parts.length === 1) content = content.concat(Array.from(e.chunk));
        }
      }
      expect(parts.map((p) => [p.name, p.filename, p.contentType, p.bytes])).toEqual([
        ["content", "pic ü.png", "image/png", 1000],
        ["metadata", "blob", "application/json", 7],
        ["type", undefined, undefined, 10],
      ]);
      expect(new Uint8Array(content)).toEqual(binary);
    }
  });

  it("handles a preamble, empty parts, quoted names, padding after a boundary and an epilogue", async () => {
    const text =
      "ignored preamble\r\n" +
      "--B  \r\n" +
      'Content-Disposition: form-data; name="a\\"b"; filename*=UTF-8\'\'na%C3%AFve.txt\r\n\r\n' +
      "\r\n--B\r\n" +
      "Content-Disposition: form-data; name=plain\r\nContent-Type: text/plain\r\n\r\n" +
      "line1\r\n--C\r\n-B\r\n--B--\r\nepilogue";
    expect(await collect(readMultipart(chunked(enc.encode(text), 5), "B"))).toEqual([
      { name: 'a"b', filename: "naïve.txt", text: "" },
      { name: "plain", type: "text/plain", text: "line1\r\n--C\r\n-B" },
    ]);
  });

  it.each([
    ["no closing boundary", '--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nabc'],
    ["no boundary at all", "just some text"],
    ["a part without a name", "--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--"],
    ["a part that is not form-data", '--B\r\nContent-Disposition: attachment; name="a"\r\n\r\nx\r\n--B--'],
    ["headers that never end", `--B\r\nContent-Disposition: form-data; name="a"\r\nX: ${"y".repeat(20000)}`],
    ["garbage after a boundary", "--Bxyz\r\n\r\n--B--"],
  ])("refuses a body with %s (400)", async (_why, text) => {
    await expect(collect(readMultipart(chunked(enc.encode(text), 3), "B"))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      status: 400,
    });
  });
});
