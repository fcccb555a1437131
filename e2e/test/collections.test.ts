import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(async () => {
  await p?.close();
});

describe("collections and search through the official client", () => {
  it("collections.list pages the collections; paginate() follows it", async () => {
    const page = await p.replicate.collections.list();
    expect(page.results.map((c) => c.slug).sort()).toEqual(["image-generation", "text-generation"]);
    expect(page.results[0]).toEqual({
      name: expect.any(String),
      slug: expect.any(String),
      description: expect.any(String),
    });
    expect(page.next).toBeNull();
    const all = [];
    for await (const batch of p.replicate.paginate(p.replicate.collections.list)) all.push(...batch);
    expect(all).toHaveLength(2);
  });

  it("collections.get returns the collection with its models as model objects", async () => {
    const c = await p.replicate.collections.get("text-generation");
    expect(c).toMatchObject({ slug: "text-generation", name: "Text generation" });
    expect(c.models?.map((m) => `${m.owner}/${m.name}`)).toEqual(["gantry/text-stream", "gantry/test"]);
    expect(c.models?.[0]?.latest_version?.id).toBe(p.stack.versions["gantry/text-stream"]);
    await expect(p.replicate.collections.get("no-such-collection")).rejects.toThrow(/404/);
  });

  it("GET /v1/search finds models and collections; bad limits are refused", async () => {
    const res = await p.api("/v1/search?query=image&limit=5");
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      query: string;
      models: { model: { owner: string; name: string }; metadata: { score: number } }[];
      collections: { slug: string; models: string[] }[];
    };
    expect(body.query).toBe("image");
    expect(body.models[0]?.model).toMatchObject({ owner: "gantry", name: "image" });
    expect(body.collections.map((c) => c.slug)).toEqual(["image-generation"]);
    const bad = await p.api("/v1/search?query=image&limit=500");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ status: 400, detail: expect.stringContaining("limit") });
  });
});
