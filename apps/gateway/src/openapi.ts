import { AccountRecord } from "@gantry/contracts/accounts";
import { AccountUsage } from "@gantry/contracts/billing";
import { CollectionSummary } from "@gantry/contracts/collections";
import { CreateDeploymentBody, Deployment, UpdateDeploymentBody } from "@gantry/contracts/deployments";
import { Problem } from "@gantry/contracts/errors";
import { FileObject } from "@gantry/contracts/files";
import { HardwareListItem } from "@gantry/contracts/hardware";
import { CreateModelBody, CreateVersionBody, Model, UpdateModelBody, Version } from "@gantry/contracts/models";
import { CreateModelPredictionBody, CreatePredictionBody, Prediction } from "@gantry/contracts/prediction";
import { CreateTrainingBody, Training } from "@gantry/contracts/trainings";
import { z } from "zod";

type Json = Record<string, unknown>;

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as Json;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (s: Json) => ({ content: { "application/json": { schema: s } } });
const page = (item: string) => ({
  type: "object",
  required: ["next", "previous", "results"],
  properties: {
    next: { type: ["string", "null"], format: "uri" },
    previous: { type: ["string", "null"], format: "uri" },
    results: { type: "array", items: ref(item) },
  },
});

interface Op {
  summary: string;
  body?: Json;
  ok: { status: number; schema?: Json; description?: string };
  errors: number[];
  auth?: false;
  parameters?: Json[];
}

const problems = (codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [
      String(c),
      { description: "Problem details", content: { "application/problem+json": { schema: ref("Problem") } } },
    ]),
  );

const op = (o: Op) => ({
  summary: o.summary,
  ...(o.auth === false ? { security: [] } : {}),
  ...(o.parameters ? { parameters: o.parameters } : {}),
  ...(o.body ? { requestBody: { required: true, ...json(o.body) } } : {}),
  responses: {
    [String(o.ok.status)]: { description: o.ok.description ?? "OK", ...(o.ok.schema ? json(o.ok.schema) : {}) },
    ...problems(o.errors),
  },
});

const header = (name: string, description: string) => ({
  name,
  in: "header",
  required: false,
  schema: { type: "string" },
  description,
});
const createHeaders = [
  header("Prefer", "`wait` or `wait=N` (1–60): hold the request until the prediction finishes"),
  header("Cancel-After", "Duration like `30s`, `5m`, `1h30m` (≥ 5s): cancel (or abort, if not started) after this"),
];
const AUTHED = [401, 429];

/**
 * Gantry's own API as an OpenAPI 3.1 document, generated from the zod contracts that validate
 * the same requests and responses, so the document cannot drift from the code.
 */
export function openApiDocument(serverUrl: string): Json {
  return {
    openapi: "3.1.0",
    info: {
      title: "Gantry HTTP API",
      version: "1.0.0",
      description:
        "Replicate's HTTP API on your own hardware. The official `replicate` client works with `baseUrl` set to this server's `/v1`.",
    },
    servers: [{ url: `${serverUrl}/v1` }],
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description: "`Bearer <token>`; the legacy `Token <token>` is accepted too",
        },
      },
      schemas: {
        Prediction: schema(Prediction),
        Training: schema(Training),
        CreateTrainingBody: schema(CreateTrainingBody),
        CreatePredictionBody: schema(CreatePredictionBody),
        CreateModelPredictionBody: schema(CreateModelPredictionBody),
        Deployment: schema(Deployment),
        CreateDeploymentBody: schema(CreateDeploymentBody),
        UpdateDeploymentBody: schema(UpdateDeploymentBody),
        Hardware: schema(HardwareListItem),
        Account: schema(AccountRecord.pick({ type: true, username: true, name: true })),
        Model: schema(Model),
        CollectionSummary: schema(CollectionSummary),
        CreateModelBody: schema(CreateModelBody),
        UpdateModelBody: schema(UpdateModelBody),
        Version: schema(Version),
        CreateVersionBody: schema(CreateVersionBody),
        File: schema(FileObject),
        AccountUsage: schema(AccountUsage),
        Problem: schema(Problem),
      },
    },
    paths: {
      "/predictions": {
        get: op({
          summary: "List your predictions, newest first",
          ok: { status: 200, schema: page("Prediction") },
          errors: [400, ...AUTHED],
        }),
        post: op({
          summary: "Create a prediction",
          body: ref("CreatePredictionBody"),
          parameters: createHeaders,
          ok: { status: 201, schema: ref("Prediction") },
          errors: [400, 402, 413, 422, ...AUTHED],
        }),
      },
      "/predictions/{prediction_id}": {
        get: op({
          summary: "Get a prediction",
          ok: { status: 200, schema: ref("Prediction") },
          errors: [404, ...AUTHED],
        }),
      },
      "/predictions/{prediction_id}/cancel": {
        post: op({
          summary: "Cancel a prediction",
          ok: { status: 200, schema: ref("Prediction") },
          errors: [404, ...AUTHED],
        }),
      },
      "/models/{owner}/{name}/predictions": {
        post: op({
          summary: "Create a prediction with a model's latest version",
          body: ref("CreateModelPredictionBody"),
          parameters: createHeaders,
          ok: { status: 201, schema: ref("Prediction") },
          errors: [400, 404, 413, 422, ...AUTHED],
        }),
      },
      "/deployments": {
        get: op({ summary: "List your deployments", ok: { status: 200, schema: page("Deployment") }, errors: AUTHED }),
        post: op({
          summary: "Create a deployment",
          body: ref("CreateDeploymentBody"),
          ok: { status: 200, schema: ref("Deployment") },
          errors: [400, 409, 422, ...AUTHED],
        }),
      },
      "/deployments/{owner}/{name}": {
        get: op({
          summary: "Get a deployment",
          ok: { status: 200, schema: ref("Deployment") },
          errors: [404, ...AUTHED],
        }),
        patch: op({
          summary: "Update a deployment (a new release)",
          body: ref("UpdateDeploymentBody"),
          ok: { status: 200, schema: ref("Deployment") },
          errors: [400, 404, 422, ...AUTHED],
        }),
        delete: op({
          summary: "Delete a deployment",
          ok: { status: 204, description: "Deleted" },
          errors: [404, ...AUTHED],
        }),
      },
      "/deployments/{owner}/{name}/predictions": {
        post: op({
          summary: "Create a prediction through a deployment",
          body: ref("CreateModelPredictionBody"),
          parameters: createHeaders,
          ok: { status: 201, schema: ref("Prediction") },
          errors: [400, 404, 422, ...AUTHED],
        }),
      },
      "/models": {
        get: op({
          summary: "List models: public ones and your own",
          ok: { status: 200, schema: page("Model") },
          errors: [400, ...AUTHED],
        }),
        post: op({
          summary: "Create a model",
          body: ref("CreateModelBody"),
          ok: { status: 201, schema: ref("Model") },
          errors: [400, 409, 422, ...AUTHED],
        }),
      },
      "/models/{owner}/{name}": {
        get: op({ summary: "Get a model", ok: { status: 200, schema: ref("Model") }, errors: [404, ...AUTHED] }),
        patch: op({
          summary: "Update your model",
          body: ref("UpdateModelBody"),
          ok: { status: 200, schema: ref("Model") },
          errors: [403, 404, 422, ...AUTHED],
        }),
        delete: op({
          summary: "Delete your private model with no versions",
          ok: { status: 204, description: "Deleted" },
          errors: [400, 403, 404, 409, ...AUTHED],
        }),
      },
      "/models/{owner}/{name}/readme": {
        get: op({
          summary: "A model's README (text/plain)",
          ok: { status: 200, description: "Markdown" },
          errors: [404, ...AUTHED],
        }),
      },
      "/models/{owner}/{name}/versions": {
        get: op({
          summary: "List a model's versions",
          ok: { status: 200, schema: page("Version") },
          errors: [404, ...AUTHED],
        }),
        post: op({
          summary: "Create a version from a Cog model server (its URL, or a command/image when allowed)",
          body: ref("CreateVersionBody"),
          ok: { status: 201, schema: ref("Version") },
          errors: [403, 404, 422, ...AUTHED],
        }),
      },
      "/models/{owner}/{name}/versions/{version_id}": {
        get: op({ summary: "Get a version", ok: { status: 200, schema: ref("Version") }, errors: [404, ...AUTHED] }),
        delete: op({
          summary: "Delete a version of your model",
          ok: { status: 202, description: "Deleted" },
          errors: [403, 404, ...AUTHED],
        }),
      },
      "/models/{owner}/{name}/versions/{version_id}/trainings": {
        post: op({
          summary: "Train a version; on success its output names the new version of `destination`",
          body: ref("CreateTrainingBody"),
          ok: { status: 201, schema: ref("Training") },
          errors: [400, 402, 404, 413, 422, ...AUTHED],
        }),
      },
      "/trainings": {
        get: op({
          summary: "List your trainings, newest first",
          ok: { status: 200, schema: page("Training") },
          errors: [400, ...AUTHED],
        }),
      },
      "/trainings/{training_id}": {
        get: op({ summary: "Get a training", ok: { status: 200, schema: ref("Training") }, errors: [404, ...AUTHED] }),
      },
      "/trainings/{training_id}/cancel": {
        post: op({
          summary: "Cancel a training",
          ok: { status: 200, schema: ref("Training") },
          errors: [404, ...AUTHED],
        }),
      },
      "/files": {
        get: op({ summary: "List your files", ok: { status: 200, schema: page("File") }, errors: [400, ...AUTHED] }),
        post: op({
          summary: "Upload a file (multipart: content, type, filename, metadata)",
          ok: { status: 201, schema: ref("File") },
          errors: [413, 415, 422, ...AUTHED],
        }),
      },
      "/files/{file_id}": {
        get: op({ summary: "Get a file", ok: { status: 200, schema: ref("File") }, errors: [404, ...AUTHED] }),
        delete: op({ summary: "Delete a file", ok: { status: 204, description: "Deleted" }, errors: [404, ...AUTHED] }),
      },
      "/files/{file_id}/download": {
        get: op({
          summary: "Download a file with a signed URL (owner, expiry, signature)",
          auth: false,
          ok: { status: 200, description: "The bytes" },
          errors: [404],
        }),
      },
      "/predictions/{prediction_id}/webhooks": {
        get: op({ summary: "The webhook delivery log of a prediction", ok: { status: 200 }, errors: [404, ...AUTHED] }),
      },
      "/collections": {
        get: op({
          summary: "List collections",
          ok: { status: 200, schema: page("CollectionSummary") },
          errors: AUTHED,
        }),
      },
      "/collections/{collection_slug}": {
        get: op({
          summary: "A collection with its models (those the caller may see)",
          ok: { status: 200, description: "`name`, `slug`, `description`, `full_description`, `models`" },
          errors: [404, ...AUTHED],
        }),
      },
      "/search": {
        get: op({
          summary: "Search models and collections (`?query=…&limit=1..50`, default 20)",
          ok: { status: 200, description: "`query`, `models` (`model`, `metadata`), `collections`, `pages`" },
          errors: [400, ...AUTHED],
        }),
      },
      "/hardware": {
        get: op({
          summary: "List hardware SKUs",
          ok: { status: 200, schema: { type: "array", items: ref("Hardware") } },
          errors: AUTHED,
        }),
      },
      "/account": {
        get: op({ summary: "The account of the token", ok: { status: 200, schema: ref("Account") }, errors: AUTHED }),
      },
      "/account/usage": {
        get: op({
          summary: "Spend for a billing period (`?period=YYYY-MM`, default the current UTC month)",
          ok: { status: 200, schema: ref("AccountUsage") },
          errors: [400, 503, ...AUTHED],
        }),
      },
      "/webhooks/default/secret": {
        get: op({
          summary: "The account's webhook signing secret",
          ok: { status: 200, schema: { type: "object", properties: { key: { type: "string" } } } },
          errors: AUTHED,
        }),
      },
      "/streams/{prediction_id}/{token}": {
        get: op({
          summary: "Server-sent events of a prediction (the prediction's `urls.stream`; a capability URL)",
          auth: false,
          parameters: [header("Last-Event-ID", "Resume after this event id")],
          ok: { status: 200, description: "`text/event-stream`: `output`, `logs`, `error`, `done`" },
          errors: [400, 404],
        }),
      },
      "/ws": {
        get: op({
          summary: 'WebSocket carrying the same events; send `{"type":"subscribe","stream":"<urls.stream>"}`',
          auth: false,
          ok: { status: 101, description: "Switching protocols" },
          errors: [],
        }),
      },
      "/openapi.json": { get: op({ summary: "This document", auth: false, ok: { status: 200 }, errors: [] }) },
    },
  };
}
