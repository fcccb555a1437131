import { parseDownloadQuery } from "@gantry/platform/signed-url";
import { Hono } from "hono";
import { paginate } from "../core/pagination.ts";
import type { GatewayDeps, GatewayEnv } from "../deps.ts";
import { FilesService, renderFile } from "../files-service.ts";

/**
 * `GET /v1/files/{id}/download?owner=&expiry=&signature=`: a signed URL, so no Authorization
 * header is asked for; a bad or expired signature is a plain 404.
 */
export function fileDownloadRoutes(deps: GatewayDeps) {
  const files = new FilesService(deps);
  const app = new Hono<GatewayEnv>();
  app.get("/files/:id/download", (c) =>
    files.download(
      c.req.param("id"),
      parseDownloadQuery({
        owner: c.req.query("owner"),
        expiry: c.req.query("expiry"),
        signature: c.req.query("signature"),
      }),
    ),
  );
  return app;
}

/** `/v1/files`: upload, list, get and delete the caller's files (reference §7.1). */
export function fileRoutes(deps: GatewayDeps) {
  const files = new FilesService(deps);
  const app = new Hono<GatewayEnv>();

  app.post("/files", async (c) => {
    const record = await files.create(c.get("account").id, c.req.raw);
    return c.json(renderFile(record, c.get("baseUrl")), 201);
  });

  app.get("/files", async (c) => {
    const baseUrl = c.get("baseUrl");
    const records = await files.list(c.get("account").id);
    const page = paginate(
      records.map((r) => ({ t: r.created_at, id: r.id, r })),
      c.req.query("cursor"),
      (cursor) => `${baseUrl}/v1/files?cursor=${encodeURIComponent(cursor)}`,
    );
    return c.json({ ...page, results: page.results.map((x) => renderFile(x.r, baseUrl)) });
  });

  app.get("/files/:id", async (c) => {
    const record = await files.get(c.get("account").id, c.req.param("id"));
    return c.json(renderFile(record, c.get("baseUrl")));
  });

  app.delete("/files/:id", async (c) => {
    await files.delete(c.get("account").id, c.req.param("id"));
    return c.body(null, 204);
  });

  return app;
}
