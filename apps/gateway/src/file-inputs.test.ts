import { describe, expect, it } from "vitest";
import { type FileLookup, resolveFileInputs } from "./file-inputs.ts";

const base = "http://gw.test";
const mine = "aaaaaaaaaaaaaaaaaaaaaaaaaa";
const mine2 = "bbbbbbbbbbbbbbbbbbbbbbbbbb";
const theirs = "cccccccccccccccccccccccccc";
const gone = "dddddddddddddddddddddddddd";

/** Files by owner; the "signed URL" spells out what it was asked for. */
function lookup(owners: Record<string, string>) {
  const asked: string[] = [];
  const l: FileLookup = {
    ownerOf: async (id) => {
      asked.push(id);
      return owners[id] ?? null;
    },
    signedUrl: async (baseUrl, owner, id) => `${baseUrl}/v1/files/${id}/download?owner=${owner}&sig=x`,
  };
  return { l, asked };
}

const url = (id: string) => `${base}/v1/files/${id}`;
const signed = (id: string) => `${base}/v1/files/${id}/download?owner=acct&sig=x`;

describe("resolveFileInputs", () => {
  it("replaces the caller's file URLs at any depth with signed download URLs", async () => {
    const { l, asked } = lookup({ [mine]: "acct", [mine2]: "acct" });
    const input = {
      file: url(mine),
      images: [url(mine2), "https://example.com/x.png", url(mine)],
      nested: { deeper: [{ f: url(mine2) }], n: 3, ok: true, none: null },
      prompt: "a cat",
    };
    const out = await resolveFileInputs(input, "acct", base, l);
    expect(out).toEqual({
      file: signed(mine),
      images: [signed(mine2), "https://example.com/x.png", signed(mine)],
      nested: { deeper: [{ f: signed(mine2) }], n: 3, ok: true, none: null },
      prompt: "a cat",
    });
    expect(asked.sort()).toEqual([mine, mine2]);
    // The input it was given is left as it was.
    expect(input.file).toBe(url(mine));
  });

  it("leaves inputs without file URLs alone, asking nothing", async () => {
    const { l, asked } = lookup({});
    const input = {
      a: "http://gw.test/v1/files/short",
      b: `${url(mine)}/download`,
      c: `https://elsewhere.test/v1/files/${mine}`,
      d: [1, 2],
    };
    expect(await resolveFileInputs(input, "acct", base, l)).toBe(input);
    expect(asked).toEqual([]);
  });

  it("tolerates a trailing slash on the base URL", async () => {
    const { l } = lookup({ [mine]: "acct" });
    expect(await resolveFileInputs({ f: url(mine) }, "acct", `${base}/`, l)).toEqual({
      f: signed(mine),
    });
  });

  it("refuses another account's file, or one that is gone, as a 422 invalid_file per field", async () => {
    const { l } = lookup({ [mine]: "acct", [theirs]: "other" });
    const err = await resolveFileInputs(
      { ok: url(mine), file: url(theirs), list: ["x", url(gone)] },
      "acct",
      base,
      l,
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({
      status: 422,
      title: "Input validation failed",
      invalidFields: [
        { type: "invalid_file", field: "input.file", description: expect.stringContaining(theirs) },
        { type: "invalid_file", field: "input.list.1", description: expect.stringContaining(gone) },
      ],
    });
    expect((err as Error).message).toMatch(/^- input\.file: .*\n- input\.list\.1: .*\n$/);
  });
});
