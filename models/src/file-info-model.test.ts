import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fileInfoModel } from "./file-info-model.ts";

const ctx = { signal: new AbortController().signal, log: () => {} };

describe("gantry/file-info", () => {
  it("takes one required uri input and declares an object output", () => {
    const schemas = (fileInfoModel.openapi.components as { schemas: Record<string, Record<string, unknown>> }).schemas;
    expect(schemas.Input).toMatchObject({
      required: ["file"],
      properties: { file: { type: "string", format: "uri", "x-order": 0 } },
    });
    expect(schemas.Output).toMatchObject({ type: "object", required: ["size", "sha256", "content_type"] });
  });

  it("reports a data: URL's size, SHA-256 and content type", async () => {
    const bytes = Buffer.from("hello, model");
    const file = `data:application/x-demo;base64,${bytes.toString("base64")}`;
    expect(await fileInfoModel.predict({ file }, ctx)).toEqual({
      size: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      content_type: "application/x-demo",
    });
  });

  it("fails when the download does", async () => {
    await expect(fileInfoModel.predict({ file: "data:,x" }, ctx)).resolves.toMatchObject({ size: 1 });
    await expect(fileInfoModel.predict({ file: "http://127.0.0.1:1/nothing" }, ctx)).rejects.toThrow();
  });
});
