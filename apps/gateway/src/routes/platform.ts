import { AppError, NOT_FOUND_DETAIL } from "@gantry/contracts/errors";
import { HARDWARE_CATALOG } from "@gantry/contracts/hardware";
import { webhookSecret } from "@gantry/platform/webhook-secret";
import { Hono } from "hono";
import type { GatewayEnv } from "../deps.ts";
import type { PredictionService } from "../prediction-service.ts";

/** `/v1/account`, `/v1/hardware` and `/v1/webhooks/default/secret`. */
export function platformRoutes(svc: PredictionService) {
  const app = new Hono<GatewayEnv>();

  app.get("/account", async (c) => {
    const account = await svc.registry.getAccount(c.get("account").id);
    if (!account) throw new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
    return c.json({ type: account.type, username: account.username, name: account.name });
  });

  app.get("/webhooks/default/secret", async (c) =>
    c.json({ key: await webhookSecret(svc.deps.buckets.accounts, c.get("account").id) }),
  );

  app.get("/hardware", (c) => c.json(HARDWARE_CATALOG.map((h) => ({ name: h.name, sku: h.sku }))));

  return app;
}
