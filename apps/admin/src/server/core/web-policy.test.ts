import { describe, expect, it } from "vitest";
import { consoleCsp, loggedResource, relayableAnswer, relayRefusal } from "./web-policy.ts";

describe("relayRefusal", () => {
  it.each([
    "/api/v1/predictions",
    "/api/v1/predictions/abc/cancel",
    "/api/v1/files",
    "/api/v1/files/abc",
    "/api/v1/models/gantry/download-me",
  ])("relays the JSON API path %s", (path) => {
    expect(relayRefusal(path)).toBeNull();
  });

  it.each([
    "/api/v1/files/abc/download",
    "/api/v1/files/abc/download/",
    "/api/v1/files/abc/%64ownload",
    "/api/v1/files/abc/Download",
    "/api//v1//files/abc/download",
    "/api/v1/streams/abc/token",
    "/api/v1/ws",
    "/api/docs",
    "/api/health",
    "/api/v1/files/%E0%A4%A/download",
  ])("refuses %s", (path) => {
    expect(relayRefusal(path)).toEqual(expect.any(String));
  });
});

describe("relayableAnswer", () => {
  it("passes JSON, problems and bodiless answers", () => {
    expect(relayableAnswer(200, "application/json", null)).toBe(true);
    expect(relayableAnswer(200, "application/json; charset=utf-8", null)).toBe(true);
    expect(relayableAnswer(422, "application/problem+json", null)).toBe(true);
    expect(relayableAnswer(204, null, null)).toBe(true);
  });

  it("refuses anything else, and any download", () => {
    expect(relayableAnswer(200, "text/html", null)).toBe(false);
    expect(relayableAnswer(200, "image/svg+xml", null)).toBe(false);
    expect(relayableAnswer(200, "text/event-stream", null)).toBe(false);
    expect(relayableAnswer(200, null, null)).toBe(false);
    expect(relayableAnswer(200, "application/json", 'attachment; filename="a.json"')).toBe(false);
  });
});

describe("consoleCsp", () => {
  it("allows scripts and styles from the console only, and the API's origins for media and streams", () => {
    const csp = consoleCsp(["http://127.0.0.1:8787", "http://127.0.0.1:8787"]);
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain("img-src 'self' data: blob: http://127.0.0.1:8787;");
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:8787;");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(consoleCsp([])).toContain("connect-src 'self';");
  });
});

describe("loggedResource", () => {
  it("keeps the resource, never ids, capabilities or queries", () => {
    expect(loggedResource("/api/v1/streams/abc/SECRET")).toBe("/api/v1/streams");
    expect(loggedResource("/api/v1/files/abc/download?signature=SECRET")).toBe("/api/v1/files");
    expect(loggedResource("/api/v1/predictions?cursor=x")).toBe("/api/v1/predictions");
  });
});
