import { BASE32_ALPHABET, PredictionId } from "@gantry/contracts/ids";
import { describe, expect, it } from "vitest";
import { randomId, randomToken, sha256Hex } from "./ids.ts";

describe("randomId", () => {
  it("is 26 characters of [a-z2-7] and a valid prediction id", () => {
    const id = randomId();
    expect(id).toMatch(/^[a-z2-7]{26}$/);
    expect(PredictionId.safeParse(id).success).toBe(true);
  });

  it("is unique across 10k calls, and every position varies over the whole alphabet", () => {
    const ids = Array.from({ length: 10_000 }, randomId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !/^[a-z2-7]{26}$/.test(id))).toEqual([]);
    // A bit-packing bug (lost or constant bits) shows up as a position stuck on few characters.
    for (let pos = 0; pos < 26; pos++) {
      const seen = new Set(ids.map((id) => id[pos]));
      expect(seen.size, `position ${pos}`).toBe(BASE32_ALPHABET.length);
    }
  });
});

describe("randomToken", () => {
  it("is r8_ and 40 base32 characters", () => {
    expect(randomToken()).toMatch(/^r8_[a-z2-7]{40}$/);
  });

  it("differs between calls", () => {
    expect(randomToken()).not.toBe(randomToken());
  });
});

describe("sha256Hex", () => {
  it("matches the FIPS 180-2 vector for 'abc'", () => {
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("matches the empty-string vector", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
});
