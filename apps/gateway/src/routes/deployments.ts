import { CreateDeploymentBody, UpdateDeploymentBody } from "@gantry/contracts/deployments";
import { CreateModelPredictionBody } from "@gantry/contracts/prediction";
import { versionFor } from "@gantry/platform/canary";
import { Hono } from "hono";
import { parseBody } from "../core/body.ts";
import { paginate } from "../core/pagination.ts";
import { type DeploymentService, renderDeployment } from "../deployments-service.ts";
import type { GatewayEnv } from "../deps.ts";
import type { PredictionService } from "../prediction-service.ts";
import { createAndRespond } from "./predictions.ts";

/** `/v1/deployments…` (reference §8.3) and predictions through a deployment. */
export function deploymentRoutes(deployments: DeploymentService, svc: PredictionService) {
  const app = new Hono<GatewayEnv>();

  app.get("/deployments", async (c) => {
    const accountId = c.get("account").id;
    const creator = await deployments.account(accountId);
    const items = (await deployments.list(accountId)).map((d) => ({ t: d.created_at, id: `${d.owner}/${d.name}`, d }));
    const page = paginate(
      items,
      c.req.query("cursor"),
      (cursor) => `${c.get("baseUrl")}/v1/deployments?cursor=${cursor}`,
    );
    return c.json({ ...page, results: page.results.map((x) => renderDeployment(x.d, creator)) });
  });

  app.post("/deployments", async (c) => {
    const accountId = c.get("account").id;
    const record = await deployments.create(accountId, parseBody(CreateDeploymentBody, await c.req.text()));
    return c.json(renderDeployment(record, await deployments.account(accountId)));
  });

  app.get("/deployments/:owner/:name", async (c) => {
    const accountId = c.get("account").id;
    const record = await deployments.get(accountId, c.req.param("owner"), c.req.param("name"));
    return c.json(renderDeployment(record, await deployments.account(accountId)));
  });

  app.patch("/deployments/:owner/:name", async (c) => {
    const accountId = c.get("account").id;
    const body = parseBody(UpdateDeploymentBody, await c.req.text());
    const record = await deployments.update(accountId, c.req.param("owner"), c.req.param("name"), body);
    return c.json(renderDeployment(record, await deployments.account(accountId)));
  });

  app.delete("/deployments/:owner/:name", async (c) => {
    await deployments.delete(c.get("account").id, c.req.param("owner"), c.req.param("name"));
    return c.body(null, 204);
  });

  app.post("/deployments/:owner/:name/predictions", async (c) => {
    const d = await deployments.get(c.get("account").id, c.req.param("owner"), c.req.param("name"));
    const body = parseBody(CreateModelPredictionBody, await c.req.text());
    const [owner = "", name = ""] = d.model.split("/");
    // A running canary takes its share of the traffic (the draw is a fresh id: injected, like ids).
    const version = versionFor(d, svc.deps.newId());
    return createAndRespond(c, svc, { kind: "model-version", owner, name, version }, "model", body, {
      name: `${d.owner}/${d.name}`,
      hardware: d.hardware,
    });
  });

  return app;
}
