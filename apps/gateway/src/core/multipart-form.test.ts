import { describe, expect, it } from "vitest";
import type { MultipartEvent, PartHead } from "./multipart.ts";
import { MAX_FIELD_BYTES, MAX_PARTS, readFormFields, type StoredContent } from "./multipart-form.ts";

const enc = new TextEncoder();
const head = (name: string, filename?: string, contentType?: string): MultipartEvent => ({
  kind: "part",
  head: { name, filename, contentType } satisfies PartHead,
});
const data = (text: string | Uint8Array): MultipartEvent => ({
  kind: "data",
  chunk: typeof text === "string" ? enc.encode(text) : text,
});

async function* events(...list: MultipartEvent[]): AsyncGenerator<MultipartEvent> {
  yield* list;
}

/** A store that keeps what it was given and reports its size. */
function memoryStore() {
  const got: number[] = [];
  const store = async (content: AsyncIterable<Uint8Array>): Promise<StoredContent> => {
    for await (const c of content) got.push(...c);
    return { size: got.length, sha256: "s".repeat(64), md5: "m".repeat(32) };
  };
  return { got, store };
}

describe("readFormFields", () => {
  it("reads what the official client sends: content (its filename used) then metadata (reference §7.1)", async () => {
    const m = memoryStore();
    const form = await readFormFields(
      events(
        head("content", "blob_1700000000000", "application/octet-stream"),
        data("hel"),
        data("lo"),
        head("metadata", "blob", "application/json"),
        data('{"purpose":'),
        data('"test"}'),
      ),
      m.store,
    );
    expect(new TextDecoder().decode(new Uint8Array(m.got))).toBe("hello");
    expect(form).toEqual({
      size: 5,
      sha256: "s".repeat(64),
      md5: "m".repeat(32),
      name: "blob_1700000000000",
      contentType: "application/octet-stream",
      metadata: { purpose: "test" },
    });
  });

  it("lets `filename` and `type` fields override the part's, in any order; ignores unknown fields", async () => {
    const form = await readFormFields(
      events(
        head("type"),
        data("text/csv"),
        head("content", "a.bin", "image/png"),
        data("1,2"),
        head("whatever"),
        data("x"),
        head("filename"),
        data("table ü.csv"),
      ),
      memoryStore().store,
    );
    expect(form).toMatchObject({ name: "table ü.csv", contentType: "text/csv", metadata: {}, size: 3 });
  });

  it("defaults: name `file`, type application/octet-stream, metadata {}", async () => {
    const form = await readFormFields(events(head("content"), data("x")), memoryStore().store);
    expect(form).toMatchObject({ name: "file", contentType: "application/octet-stream", metadata: {} });
  });

  it.each([
    ["no content part", [head("metadata"), data("{}")], "content", "required"],
    ["two content parts", [head("content"), data("a"), head("content"), data("b")], "content", "invalid_type"],
    ["metadata that is not JSON", [head("content"), head("metadata"), data("{nope")], "metadata", "invalid_type"],
    ["metadata that is not an object", [head("content"), head("metadata"), data("[1]")], "metadata", "invalid_type"],
    ["a filename over 255 bytes", [head("content"), head("filename"), data("ü".repeat(128))], "filename", "string_lte"],
    [
      "a huge field",
      [head("content"), head("metadata"), data(new Uint8Array(MAX_FIELD_BYTES))],
      "metadata",
      "string_lte",
    ],
  ])("refuses %s (422 invalid_fields)", async (_why, list, field, type) => {
    await expect(readFormFields(events(...list), memoryStore().store)).rejects.toMatchObject({
      status: 422,
      invalidFields: [expect.objectContaining({ field, type })],
    });
  });

  it("skips unknown fields whatever their size (read past, not held, not refused)", async () => {
    const big = new Uint8Array(MAX_FIELD_BYTES * 4);
    const form = await readFormFields(
      events(head("content"), data("x"), head("extra"), data(big), data(big), head("filename"), data("a.txt")),
      memoryStore().store,
    );
    expect(form).toMatchObject({ name: "a.txt", size: 1 });
  });

  it(`refuses a form of more than ${MAX_PARTS} parts (400), and takes one of exactly ${MAX_PARTS}`, async () => {
    const extras = (n: number) => Array.from({ length: n }, (_, i) => [head(`f${i}`), data("v")]).flat();
    const ok = await readFormFields(events(head("content"), data("x"), ...extras(MAX_PARTS - 1)), memoryStore().store);
    expect(ok.size).toBe(1);
    await expect(
      readFormFields(events(head("content"), data("x"), ...extras(MAX_PARTS)), memoryStore().store),
    ).rejects.toMatchObject({ status: 400, title: "Invalid multipart body" });
  });

  it("passes the store's failure on", async () => {
    const failing = async (content: AsyncIterable<Uint8Array>): Promise<StoredContent> => {
      for await (const _ of content) throw new Error("object store down");
      throw new Error("unreachable");
    };
    await expect(readFormFields(events(head("content"), data("x")), failing)).rejects.toThrow("object store down");
  });
});
