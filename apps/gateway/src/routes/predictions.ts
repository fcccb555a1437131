import { AppError } from "@gantry/contracts/errors";
import { TraceParent } from "@gantry/contracts/jobs";
import { CreateModelPredictionBody, CreatePredictionBody, isTerminal } from "@gantry/contracts/prediction";
import { subjects } from "@gantry/contracts/subjects";
import { WebhookDeliveryLog, WebhookJob } from "@gantry/contracts/webhooks";
import { decode, encode } from "@gantry/platform/codec";
import { renderPrediction, renderRecord } from "@gantry/platform/render-prediction";
import { jetstream } from "@nats-io/jetstream";
import { type Context, Hono } from "hono";
import { parseBody } from "../core/body.ts";
import { parseCancelAfter } from "../core/duration.ts";
import { parsePreferWait } from "../core/prefer.ts";
import { parseVersionRef, type VersionRef } from "../core/version-ref.ts";
import type { GatewayEnv } from "../deps.ts";
import { listPredictions } from "../prediction-list.ts";
import type { PredictionService, RecordKind } from "../prediction-service.ts";

/**
 * Creates a prediction from a request of any of the three create endpoints and answers it: 201,
 * `Location`, and `Preference-Applied` when the client asked to wait.
 */
export async function createAndRespond(
  c: Context<GatewayEnv>,
  svc: PredictionService,
  ref: VersionRef,
  via: "version" | "model",
  body: CreateModelPredictionBody,
  deployment: { name: string; hardware: string } | null = null,
) {
  const waitSeconds = parsePreferWait(c.req.header("prefer"));
  const cancelAfterMs = parseCancelAfter(c.req.header("cancel-after"));
  const traceparent = TraceParent.parse(c.req.header("traceparent"));
  const record = await svc.create({
    cancelAfterMs,
    traceparent,
    accountId: c.get("account").id,
    baseUrl: c.get("baseUrl"),
    ref,
    input: body.input,
    webhook: body.webhook,
    webhookEventsFilter: body.webhook_events_filter,
    waitSeconds,
    via,
    deployment,
  });
  const prediction = renderPrediction(record, c.get("baseUrl"));
  c.header("Location", prediction.urls.get);
  if (waitSeconds !== null) c.header("Preference-Applied", waitSeconds === 60 ? "wait" : `wait=${waitSeconds}`);
  return c.json(prediction, 201);
}

/**
 * One page of the caller's predictions or trainings (`GET /v1/predictions`, `/v1/trainings`), with
 * `next`/`previous` as absolute URLs that keep the request's other query parameters.
 */
export function listPage(c: Context<GatewayEnv>, svc: PredictionService, kind: RecordKind) {
  const base = `${c.get("baseUrl")}/v1/${kind}s`;
  return listPredictions(
    svc.deps.buckets.predictionIndex,
    svc.store,
    c.get("account").id,
    {
      cursor: c.req.query("cursor"),
      createdAfter: c.req.query("created_after"),
      createdBefore: c.req.query("created_before"),
    },
    (cursor) => {
      const url = new URL(c.req.url);
      url.searchParams.set("cursor", cursor);
      return `${base}?${url.searchParams}`;
    },
    kind,
  );
}

/** `/v1/predictions` and `/v1/models/{owner}/{name}/predictions`. */
export function predictionRoutes(svc: PredictionService) {
  const app = new Hono<GatewayEnv>();
  const create = (c: Context<GatewayEnv>, ref: VersionRef, via: "version" | "model", body: CreateModelPredictionBody) =>
    createAndRespond(c, svc, ref, via, body);

  app.post("/predictions", async (c) => {
    const body = parseBody(CreatePredictionBody, await c.req.text());
    const ref = parseVersionRef(body.version);
    if (!ref) {
      throw new AppError(
        "INVALID_VERSION",
        "The specified version does not exist (or perhaps you don't have permission to use it?)",
      );
    }
    return create(c, ref, "version", body);
  });

  app.post("/models/:owner/:name/predictions", async (c) => {
    const body = parseBody(CreateModelPredictionBody, await c.req.text());
    return create(c, { kind: "model", owner: c.req.param("owner"), name: c.req.param("name") }, "model", body);
  });

  app.get("/predictions", async (c) => {
    const page = await listPage(c, svc, "prediction");
    return c.json({ ...page, results: page.results.map((r) => renderPrediction(r, c.get("baseUrl"))) });
  });

  // A training's id works here too (Replicate serves trainings at `/v1/predictions/{id}`, and the
  // official client's `wait()` polls it), shown as a training.
  app.get("/predictions/:id", async (c) => {
    const record = await svc.get(c.get("account").id, c.req.param("id"));
    return c.json(renderRecord(record, c.get("baseUrl")));
  });

  /** Gantry extension: the webhook delivery log of a prediction (attempts, statuses, latency). */
  app.get("/predictions/:id/webhooks", async (c) => {
    const record = await svc.get(c.get("account").id, c.req.param("id"));
    const entry = await svc.deps.buckets.webhookDeliveries.get(record.id);
    const results = entry?.operation === "PUT" ? decode(WebhookDeliveryLog, entry.value, "delivery log") : [];
    return c.json({ results });
  });

  /**
   * Gantry extension: sends the terminal (`completed`) webhook of a finished prediction again,
   * signed anew under a new `webhook-id`, through the same retried queue, and logged like any
   * delivery. 202 with the `webhook_id`; 409 while it runs or when it has no completed webhook.
   */
  app.post("/predictions/:id/webhooks/redeliver", async (c) => {
    const record = await svc.get(c.get("account").id, c.req.param("id"));
    if (!isTerminal(record.status)) {
      throw new AppError("CONFLICT", "The prediction has not finished: its completed webhook is sent when it does.");
    }
    const filter = record.webhook_events_filter;
    if (!record.webhook || (filter && !filter.includes("completed"))) {
      throw new AppError("CONFLICT", "The prediction has no completed webhook to send.");
    }
    const webhookId = `msg_${record.id}_redeliver_${svc.deps.newId()}`;
    const job: WebhookJob = { prediction_id: record.id, webhook_id: webhookId };
    await jetstream(svc.deps.nc).publish(subjects.webhookCompleted(), encode(WebhookJob.parse(job)), {
      msgID: webhookId,
    });
    return c.json({ webhook_id: webhookId, status: "queued" }, 202);
  });

  app.post("/predictions/:id/cancel", async (c) => {
    const record = await svc.cancel(c.get("account").id, c.req.param("id"));
    return c.json(renderRecord(record, c.get("baseUrl")));
  });

  return app;
}
