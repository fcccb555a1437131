import { Hono } from "hono";
import { apiReferenceHtml } from "../core/api-reference.ts";
import { DOCS_CSP } from "../core/content-safety.ts";
import type { GatewayEnv } from "../deps.ts";
import { openApiDocument } from "../openapi.ts";

/** `/v1/openapi.json` (machine-readable) and `/docs` (the same, for people). No auth. */
export function docsRoutes(publicUrl: string | undefined) {
  const app = new Hono<GatewayEnv>();
  const base = (url: string) => publicUrl ?? new URL(url).origin;
  app.get("/v1/openapi.json", (c) => c.json(openApiDocument(base(c.req.url))));
  app.get("/docs", (c) =>
    c.html(apiReferenceHtml(openApiDocument(base(c.req.url))), 200, { "content-security-policy": DOCS_CSP }),
  );
  return app;
}
