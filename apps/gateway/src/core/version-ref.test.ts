import { describe, expect, it } from "vitest";
import { parseVersionRef } from "./version-ref.ts";

const HEX = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";

describe("parseVersionRef", () => {
  it("reads a bare 64-hex version id", () => {
    expect(parseVersionRef(HEX)).toEqual({ kind: "version", version: HEX });
  });

  it("reads owner/name", () => {
    expect(parseVersionRef("meta/meta-llama-3-8b-instruct")).toEqual({
      kind: "model",
      owner: "meta",
      name: "meta-llama-3-8b-instruct",
    });
  });

  it("reads owner/name:version", () => {
    expect(parseVersionRef(`stability-ai/sdxl:${HEX}`)).toEqual({
      kind: "model-version",
      owner: "stability-ai",
      name: "sdxl",
      version: HEX,
    });
  });

  it.each([
    ["empty", ""],
    ["uppercase hex", HEX.toUpperCase()],
    ["short hex", HEX.slice(0, 63)],
    ["long hex", `${HEX}0`],
    ["short version after the name", "owner/name:abc123"],
    ["empty version", "owner/name:"],
    ["three segments", "a/b/c"],
    ["no name", "owner/"],
    ["no owner", "/name"],
    ["a space", "owner/na me"],
    ["just a name", "sdxl"],
    ["subject wildcards (not a key)", "*/>"],
    ["a trailing dot", "owner/a."],
  ])("is null for %s", (_label, text) => {
    expect(parseVersionRef(text)).toBeNull();
  });
});
