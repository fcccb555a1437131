/** Builds the OpenAPI 3.0.2 document a Cog server serves at `/openapi.json` (reference §4). */
export type JsonSchema = Record<string, unknown>;

export function cogOpenApi(input: {
  properties: Record<string, JsonSchema>;
  required?: string[];
  output: JsonSchema;
  extraSchemas?: Record<string, JsonSchema>;
  /** A trainer's inputs and output: adds `/trainings*` and the `Training*` schemas (reference §4). */
  training?: { properties: Record<string, JsonSchema>; required?: string[]; output: JsonSchema };
}): Record<string, unknown> {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const t = input.training;
  return {
    openapi: "3.0.2",
    info: { title: "Cog", version: "0.1.0" },
    paths: {
      "/": { get: { summary: "Root", operationId: "root__get" } },
      "/health-check": { get: { summary: "Healthcheck", operationId: "healthcheck_health_check_get" } },
      "/predictions": {
        post: {
          summary: "Predict",
          operationId: "predict_predictions_post",
          requestBody: { content: { "application/json": { schema: ref("PredictionRequest") } } },
        },
      },
      "/predictions/{prediction_id}": {
        put: { summary: "Predict Idempotent", operationId: "predict_idempotent_predictions__prediction_id__put" },
      },
      "/predictions/{prediction_id}/cancel": {
        post: { summary: "Cancel", operationId: "cancel_predictions__prediction_id__cancel_post" },
      },
      "/shutdown": { post: { summary: "Start Shutdown", operationId: "start_shutdown_shutdown_post" } },
      ...(t
        ? {
            "/trainings": {
              post: {
                summary: "Train",
                operationId: "train_trainings_post",
                requestBody: { content: { "application/json": { schema: ref("TrainingRequest") } } },
              },
            },
            "/trainings/{training_id}": {
              put: { summary: "Train Idempotent", operationId: "train_idempotent_trainings__training_id__put" },
            },
            "/trainings/{training_id}/cancel": {
              post: { summary: "Cancel Training", operationId: "cancel_training_trainings__training_id__cancel_post" },
            },
          }
        : {}),
    },
    components: {
      schemas: {
        Input: {
          title: "Input",
          type: "object",
          ...(input.required && input.required.length > 0 ? { required: input.required } : {}),
          properties: input.properties,
        },
        Output: { title: "Output", ...input.output },
        Status: {
          title: "Status",
          enum: ["starting", "processing", "succeeded", "canceled", "failed"],
          type: "string",
          description: "An enumeration.",
        },
        WebhookEvent: {
          title: "WebhookEvent",
          enum: ["start", "output", "logs", "completed"],
          type: "string",
          description: "An enumeration.",
        },
        PredictionRequest: {
          title: "PredictionRequest",
          type: "object",
          properties: {
            input: ref("Input"),
            id: { title: "Id", type: "string" },
            webhook: { title: "Webhook", type: "string", format: "uri", minLength: 1, maxLength: 65536 },
            webhook_events_filter: {
              type: "array",
              items: ref("WebhookEvent"),
              default: ["start", "output", "logs", "completed"],
            },
          },
        },
        PredictionResponse: {
          title: "PredictionResponse",
          type: "object",
          properties: {
            input: ref("Input"),
            output: ref("Output"),
            id: { title: "Id", type: "string" },
            logs: { title: "Logs", type: "string", default: "" },
            error: { title: "Error", type: "string" },
            status: ref("Status"),
            metrics: { title: "Metrics", type: "object" },
          },
        },
        ...(t
          ? {
              TrainingInput: {
                title: "TrainingInput",
                type: "object",
                ...(t.required && t.required.length > 0 ? { required: t.required } : {}),
                properties: t.properties,
              },
              TrainingOutput: { title: "TrainingOutput", ...t.output },
              TrainingRequest: {
                title: "TrainingRequest",
                type: "object",
                properties: { input: ref("TrainingInput"), id: { title: "Id", type: "string" } },
              },
              TrainingResponse: {
                title: "TrainingResponse",
                type: "object",
                properties: { input: ref("TrainingInput"), output: ref("TrainingOutput"), status: ref("Status") },
              },
            }
          : {}),
        ...input.extraSchemas,
      },
    },
  };
}
