import { AppError, NOT_FOUND_DETAIL } from "@gantry/contracts/errors";
import { Hono } from "hono";
import { canSee, matchesQuery } from "../core/model-render.ts";
import { paginate } from "../core/pagination.ts";
import type { GatewayDeps, GatewayEnv } from "../deps.ts";
import { ModelsService } from "../models-service.ts";
import type { PredictionService } from "../prediction-service.ts";

const SEARCH_LIMIT = { min: 1, max: 50, default: 20 };

/** `GET /v1/collections[/{slug}]` and `GET /v1/search` (reference §8.5). */
export function collectionRoutes(svc: PredictionService, deps: GatewayDeps) {
  const models = new ModelsService(svc, deps);
  const registry = svc.registry;
  const app = new Hono<GatewayEnv>();

  app.get("/collections", async (c) => {
    const all = await registry.listCollections();
    const page = paginate(
      all.map((x) => ({ t: x.created_at, id: x.slug, x })),
      c.req.query("cursor"),
      (cursor) => `${c.get("baseUrl")}/v1/collections?cursor=${encodeURIComponent(cursor)}`,
    );
    return c.json({
      ...page,
      results: page.results.map(({ x }) => ({ name: x.name, slug: x.slug, description: x.description })),
    });
  });

  app.get("/collections/:slug", async (c) => {
    const collection = await registry.getCollection(c.req.param("slug"));
    if (!collection) throw new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
    const accountId = c.get("account").id;
    const found = await Promise.all(
      collection.models.map((ref) => {
        const [owner = "", name = ""] = ref.split("/");
        return registry.getModel(owner, name);
      }),
    );
    // Models deleted since, or private to another account, are left out.
    const visible = found.flatMap((m) => (m && canSee(m, accountId) ? [m] : []));
    return c.json({
      name: collection.name,
      slug: collection.slug,
      description: collection.description,
      full_description: collection.full_description,
      models: await Promise.all(visible.map((m) => models.render(m, c.get("baseUrl")))),
    });
  });

  app.get("/search", async (c) => {
    const query = (c.req.query("query") ?? "").trim();
    if (!query) throw new AppError("BAD_REQUEST", "query is required", { title: "Invalid search" });
    const limitText = c.req.query("limit");
    const limit = limitText === undefined ? SEARCH_LIMIT.default : Number(limitText);
    if (!Number.isInteger(limit) || limit < SEARCH_LIMIT.min || limit > SEARCH_LIMIT.max) {
      throw new AppError("BAD_REQUEST", `limit must be an integer from ${SEARCH_LIMIT.min} to ${SEARCH_LIMIT.max}`, {
        title: "Invalid search",
      });
    }
    const accountId = c.get("account").id;
    const q = query.toLowerCase();
    const hits = (await registry.listModels())
      .filter((m) => canSee(m, accountId) && matchesQuery(m, q))
      // Name matches first, then description matches; most run first within each.
      .map((m) => ({ m, score: `${m.owner}/${m.name}`.includes(q) ? 1 : 0.5 }))
      .sort((a, b) => b.score - a.score || b.m.run_count - a.m.run_count)
      .slice(0, limit);
    const collections = (await registry.listCollections()).filter(
      (x) => x.name.toLowerCase().includes(q) || x.description.toLowerCase().includes(q) || x.slug.includes(q),
    );
    return c.json({
      query,
      models: await Promise.all(
        hits.map(async ({ m, score }) => ({
          model: await models.render(m, c.get("baseUrl")),
          metadata: { generated_description: m.description ?? "", tags: [], score },
        })),
      ),
      collections: collections.map((x) => ({
        name: x.name,
        slug: x.slug,
        description: x.description,
        models: x.models,
      })),
      pages: [],
    });
  });

  return app;
}
