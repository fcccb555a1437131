import { describe, expect, it } from "vitest";
import { apiReferenceHtml } from "./core/api-reference.ts";
import { openApiDocument } from "./openapi.ts";

describe("openApiDocument", () => {
  const doc = openApiDocument("http://127.0.0.1:8787") as {
    openapi: string;
    servers: { url: string }[];
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
  };

  it("is OpenAPI 3.1 rooted at /v1", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers[0]?.url).toBe("http://127.0.0.1:8787/v1");
  });

  it("derives the prediction schema from the zod contract", () => {
    const prediction = doc.components.schemas.Prediction!;
    expect(Object.keys(prediction.properties ?? {})).toEqual(
      expect.arrayContaining(["id", "model", "version", "input", "output", "status", "urls", "metrics"]),
    );
    expect(prediction.required).toEqual(expect.arrayContaining(["id", "status", "urls"]));
    // Gantry's extension while a prediction waits: documented, never required.
    expect(JSON.stringify(prediction.properties?.queue)).toContain("waiting_for_slot");
    expect(prediction.required).not.toContain("queue");
    expect(JSON.stringify(doc.components.schemas.CreatePredictionBody)).toContain('"additionalProperties":false');
  });

  it("documents every prediction endpoint with its statuses", () => {
    expect(Object.keys(doc.paths["/predictions"] ?? {})).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/predictions"]?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(["201", "422", "401", "429"]),
    );
    expect(Object.keys(doc.paths["/deployments/{owner}/{name}"]?.delete?.responses ?? {})).toContain("204");
    expect(Object.keys(doc.paths["/models/{owner}/{name}/versions/{version_id}/trainings"] ?? {})).toEqual(["post"]);
    expect(Object.keys(doc.components.schemas.Training?.properties ?? {})).toContain("destination");
  });

  it("renders a readable reference page with one row per operation", () => {
    const html = apiReferenceHtml(doc);
    const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(html.match(/<tr><td><code>/g)).toHaveLength(operations);
    expect(html).toContain("<code>/predictions/{prediction_id}/cancel</code>");
  });
});
