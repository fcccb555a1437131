import { AppError } from "@gantry/contracts/errors";
import { UpdateModelBody } from "@gantry/contracts/models";
import { type Context, Hono } from "hono";
import { parseBody } from "../core/body.ts";
import { parseSearchQuery, renderVersion } from "../core/model-render.ts";
import { parseCreateModel } from "../core/model-validation.ts";
import type { GatewayDeps, GatewayEnv } from "../deps.ts";
import { ModelsService, type ModelsServiceOptions } from "../models-service.ts";
import type { PredictionService } from "../prediction-service.ts";

type C = Context<GatewayEnv>;

/** An absolute list URL under the API with `params` (empty ones left out) and the cursor. */
const listUrl = (c: C, path: string, params: Record<string, string>) => (cursor: string) => {
  const q = new URLSearchParams({ ...Object.fromEntries(Object.entries(params).filter(([, v]) => v)), cursor });
  return `${c.get("baseUrl")}/v1${path}?${q}`;
};

/**
 * `/v1/models` and `/v1/models/{owner}/{name}[/readme|/versions[/{id}]]` (reference §8.1, §8.2),
 * plus `POST …/versions`, Gantry's way to add a version from a Cog model server.
 */
export function modelRoutes(svc: PredictionService, deps: GatewayDeps, options: ModelsServiceOptions = {}) {
  const models = new ModelsService(svc, deps, options);
  const app = new Hono<GatewayEnv>();
  const who = (c: C) => c.get("account").id;
  const param = (c: C) => ({ owner: c.req.param("owner") ?? "", name: c.req.param("name") ?? "" });

  // `query` also filters GET, so that a search's `next` URL (which clients GET) stays a search.
  const list = async (c: C, query: string) => {
    const url = listUrl(c, "/models", { query });
    return c.json(await models.list(who(c), query, c.req.query("cursor"), url, c.get("baseUrl")));
  };
  app.get("/models", (c) => list(c, (c.req.query("query") ?? "").trim()));
  app.on("QUERY", "/models", async (c) => list(c, parseSearchQuery(await c.req.text())));

  app.post("/models", async (c) => {
    const body = parseCreateModel(await c.req.text(), await models.username(who(c)));
    const record = await models.create(who(c), body);
    return c.json(await models.render(record, c.get("baseUrl")), 201);
  });

  app.get("/models/:owner/:name", async (c) => {
    const { owner, name } = param(c);
    return c.json(await models.render(await models.visible(who(c), owner, name), c.get("baseUrl")));
  });

  app.patch("/models/:owner/:name", async (c) => {
    const { owner, name } = param(c);
    const body = parseBody(UpdateModelBody, await c.req.text());
    const record = await models.update(who(c), owner, name, body);
    return c.json(await models.render(record, c.get("baseUrl")));
  });

  app.delete("/models/:owner/:name", async (c) => {
    const { owner, name } = param(c);
    await models.delete(who(c), owner, name);
    return c.body(null, 204);
  });

  app.get("/models/:owner/:name/readme", async (c) => {
    const { owner, name } = param(c);
    const { readme } = await models.visible(who(c), owner, name);
    if (!readme) throw new AppError("NOT_FOUND", "This model has no README.");
    return c.text(readme, 200, { "content-type": "text/plain; charset=utf-8" });
  });

  /** Example predictions: Gantry keeps none yet, so a visible model's page is empty (not a 404). */
  app.get("/models/:owner/:name/examples", async (c) => {
    const { owner, name } = param(c);
    await models.visible(who(c), owner, name);
    return c.json({ next: null, previous: null, results: [] });
  });

  app.get("/models/:owner/:name/versions", async (c) => {
    const { owner, name } = param(c);
    const url = listUrl(c, `/models/${owner}/${name}/versions`, {});
    const page = await models.versions(who(c), owner, name, c.req.query("cursor"), url);
    return c.json({ ...page, results: page.results.map(renderVersion) });
  });

  app.post("/models/:owner/:name/versions", async (c) => {
    const { owner, name } = param(c);
    const version = await models.createVersion(who(c), owner, name, await c.req.text());
    return c.json(renderVersion(version), 201);
  });

  app.get("/models/:owner/:name/versions/:id", async (c) => {
    const { owner, name } = param(c);
    return c.json(renderVersion(await models.version(who(c), owner, name, c.req.param("id"))));
  });

  app.delete("/models/:owner/:name/versions/:id", async (c) => {
    const { owner, name } = param(c);
    await models.deleteVersion(who(c), owner, name, c.req.param("id"));
    return c.body(null, 202);
  });

  return app;
}
