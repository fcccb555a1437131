import { CreateTrainingBody } from "@gantry/contracts/trainings";
import { renderTraining } from "@gantry/platform/render-prediction";
import { Hono } from "hono";
import { parseBody } from "../core/body.ts";
import type { GatewayEnv } from "../deps.ts";
import type { PredictionService } from "../prediction-service.ts";
import { listPage } from "./predictions.ts";

/**
 * Trainings (reference §8.4): a training is a prediction of the version's trainer; on success its
 * output names the new version, created in `destination`.
 */
export function trainingRoutes(svc: PredictionService) {
  const app = new Hono<GatewayEnv>();

  app.post("/models/:owner/:name/versions/:version/trainings", async (c) => {
    const body = parseBody(CreateTrainingBody, await c.req.text());
    const record = await svc.create({
      accountId: c.get("account").id,
      baseUrl: c.get("baseUrl"),
      ref: {
        kind: "model-version",
        owner: c.req.param("owner"),
        name: c.req.param("name"),
        version: c.req.param("version"),
      },
      via: "model",
      input: body.input,
      webhook: body.webhook,
      webhookEventsFilter: body.webhook_events_filter,
      waitSeconds: null,
      training: { destination: body.destination },
    });
    const training = renderTraining(record, c.get("baseUrl"));
    c.header("Location", training.urls.get);
    return c.json(training, 201);
  });

  app.get("/trainings", async (c) => {
    const page = await listPage(c, svc, "training");
    return c.json({ ...page, results: page.results.map((r) => renderTraining(r, c.get("baseUrl"))) });
  });

  app.get("/trainings/:id", async (c) => {
    const record = await svc.get(c.get("account").id, c.req.param("id"), "training");
    return c.json(renderTraining(record, c.get("baseUrl")));
  });

  app.post("/trainings/:id/cancel", async (c) => {
    const record = await svc.cancel(c.get("account").id, c.req.param("id"), "training");
    return c.json(renderTraining(record, c.get("baseUrl")));
  });

  return app;
}
