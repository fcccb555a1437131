import { describe, expect, it } from "vitest";
import { MAX_WAIT_SECONDS, parsePreferWait } from "./prefer.ts";

describe("parsePreferWait", () => {
  it("is 60 seconds at most, the default for a bare `wait` (reference §4)", () => {
    expect(MAX_WAIT_SECONDS).toBe(60);
    expect(parsePreferWait("wait")).toBe(60);
  });

  it.each([
    ["wait=5", 5],
    ["wait=60", 60],
    ["wait=1", 1],
    ["WAIT=10", 10],
    ["wait = 7", 7],
    [" wait=3 ", 3],
    ["wait=0", 1],
    ["wait=99", 60],
    ["wait=3600", 60],
    ["respond-async, wait=3", 3],
    ["return=minimal,wait", 60],
  ])("reads %j as %d seconds", (header, seconds) => {
    expect(parsePreferWait(header)).toBe(seconds);
  });

  it.each([undefined, "", "respond-async", "return=minimal", "wait=", "wait=abc", "wait=-1", "wait=1.5", "waits"])(
    "is no wait for %j",
    (header) => {
      expect(parsePreferWait(header)).toBeNull();
    },
  );
});
