import { Model, ModelRecord, Version, type VersionRecord } from "@gantry/contracts/models";
import { describe, expect, it } from "vitest";
import {
  canSee,
  matchesQuery,
  modelPosition,
  newModelRecord,
  parseSearchQuery,
  renderModel,
  renderVersion,
  versionPosition,
} from "./model-render.ts";

const BASE = "http://127.0.0.1:8787";
const VERSION_ID = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";

function model(overrides: Partial<ModelRecord> = {}): ModelRecord {
  return {
    owner: "acme",
    name: "hello",
    account_id: "acme",
    visibility: "public",
    hardware: "cpu",
    description: "Says Hello to you",
    github_url: null,
    paper_url: null,
    license_url: null,
    cover_image_url: null,
    latest_version_id: VERSION_ID,
    run_count: 3,
    created_at: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}

const version: VersionRecord = {
  id: VERSION_ID,
  model: "acme/hello",
  account_id: "acme",
  cog_version: "0.9.4",
  openapi_schema: { openapi: "3.0.2" },
  runtime: { kind: "command", argv: ["node", "serve.js"] },
  concurrency: 2,
  created_at: "2026-01-02T00:00:00.000Z",
};

describe("renderVersion", () => {
  it("has exactly the §8.2 keys and none of the internal ones", () => {
    const v = renderVersion(version);
    expect(Version.strict().parse(v)).toEqual(v);
    expect(v).toEqual({
      id: VERSION_ID,
      created_at: "2026-01-02T00:00:00.000Z",
      cog_version: "0.9.4",
      openapi_schema: { openapi: "3.0.2" },
    });
  });
});

describe("renderModel", () => {
  it("has exactly the §8.1 keys, with the latest version and an absolute url", () => {
    const m = renderModel(model(), version, BASE);
    expect(Model.strict().parse(m)).toEqual(m);
    expect(m).toMatchObject({
      url: `${BASE}/acme/hello`,
      owner: "acme",
      name: "hello",
      visibility: "public",
      run_count: 3,
      is_official: false,
      default_example: null,
      weights_url: null,
      latest_version: renderVersion(version),
      created_at: "2026-01-01T00:00:00.000Z",
    });
    expect(Object.keys(m)).not.toContain("account_id");
    expect(Object.keys(m)).not.toContain("readme");
    expect(Object.keys(m)).not.toContain("hardware");
  });

  it("has latest_version null without a version", () => {
    expect(renderModel(model({ latest_version_id: null }), null, BASE).latest_version).toBeNull();
  });

  it("reads records written before weights_url and readme existed", () => {
    const { weights_url: _w, readme: _r, ...old } = model({ weights_url: "https://x.test/w" });
    expect(ModelRecord.parse(old)).toEqual(old);
    expect(renderModel(old, null, BASE).weights_url).toBeNull();
  });
});

describe("newModelRecord", () => {
  it("is a valid record with nulls for what the body leaves out", () => {
    const body = { owner: "dev", name: "m", visibility: "private" as const, hardware: "cpu", description: "d" };
    const r = newModelRecord(body, "dev", "2026-01-01T00:00:00.000Z");
    expect(ModelRecord.strict().parse(r)).toEqual(r);
    expect(r).toMatchObject({ account_id: "dev", description: "d", github_url: null, latest_version_id: null });
    expect(r.run_count).toBe(0);
  });
});

describe("visibility and positions", () => {
  it("shows public models to everyone and private ones to their account only", () => {
    expect(canSee(model(), "someone")).toBe(true);
    expect(canSee(model({ visibility: "private" }), "acme")).toBe(true);
    expect(canSee(model({ visibility: "private" }), "someone")).toBe(false);
  });

  it("places models by creation time and owner/name, versions by creation time and id", () => {
    expect(modelPosition(model())).toEqual({ t: "2026-01-01T00:00:00.000Z", id: "acme/hello" });
    expect(versionPosition(version)).toEqual({ t: "2026-01-02T00:00:00.000Z", id: VERSION_ID });
  });
});

describe("search", () => {
  it.each([
    ['"llama 3"', "llama 3"],
    ['  "  hello "  ', "hello"],
    ["hello world", "hello world"],
    ['{"q":1}', '{"q":1}'],
    ["", ""],
    ['"\\u00e9t\\u00e9"', "été"],
  ])("reads the query from %j", (body, query) => {
    expect(parseSearchQuery(body)).toBe(query);
  });

  it("matches owner/name and description, ignoring case", () => {
    expect(matchesQuery(model(), "")).toBe(true);
    expect(matchesQuery(model(), "acme/hel")).toBe(true);
    expect(matchesQuery(model(), "HELLO TO")).toBe(true);
    expect(matchesQuery(model(), "goodbye")).toBe(false);
    expect(matchesQuery(model({ description: null }), "says")).toBe(false);
  });
});
