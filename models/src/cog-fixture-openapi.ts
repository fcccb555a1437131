/**
 * `GET /openapi.json` of the reference's test predictor, as captured from cog v0.16.12
 * (cog-http-protocol.md §4): OpenAPI 3.0.2, `components.schemas` key for key. The captured
 * `paths` are not reproduced in the reference; the paths listed here are its §1 endpoints.
 */
export const FIXTURE_OPENAPI = {
  openapi: "3.0.2",
  info: { title: "Cog", version: "0.1.0" },
  paths: {
    "/": { get: { summary: "Root", operationId: "root__get" } },
    "/health-check": { get: { summary: "Healthcheck", operationId: "healthcheck_health_check_get" } },
    "/predictions": { post: { summary: "Predict", operationId: "predict_predictions_post" } },
    "/predictions/{prediction_id}": {
      put: { summary: "Predict Idempotent", operationId: "predict_idempotent_predictions__prediction_id__put" },
    },
    "/predictions/{prediction_id}/cancel": {
      post: { summary: "Cancel", operationId: "cancel_predictions__prediction_id__cancel_post" },
    },
    "/shutdown": { post: { summary: "Start Shutdown", operationId: "start_shutdown_shutdown_post" } },
  },
  components: {
    schemas: {
      Input: {
        title: "Input",
        required: ["prompt"],
        type: "object",
        properties: {
          prompt: { title: "Prompt", type: "string", description: "Prompt text", "x-order": 0 },
          n_tokens: {
            title: "N Tokens",
            maximum: 1000.0,
            minimum: 1.0,
            type: "integer",
            description: "How many tokens",
            default: 5,
            "x-order": 1,
          },
          delay: { title: "Delay", type: "number", description: "Seconds between tokens", default: 0.2, "x-order": 2 },
          fail: { title: "Fail", type: "boolean", description: "Raise an error mid-way", default: false, "x-order": 3 },
        },
      },
      Output: {
        title: "Output",
        type: "array",
        items: { type: "string" },
        "x-cog-array-display": "concatenate",
        "x-cog-array-type": "iterator",
      },
      PredictionRequest: {
        title: "PredictionRequest",
        type: "object",
        properties: {
          input: { $ref: "#/components/schemas/Input" },
          id: { title: "Id", type: "string" },
          created_at: { type: "string", format: "date-time" },
          context: { type: "object", additionalProperties: { type: "string" } },
          output_file_prefix: { type: "string" },
          webhook: { maxLength: 65536, minLength: 1, type: "string", format: "uri" },
          webhook_events_filter: {
            type: "array",
            items: { $ref: "#/components/schemas/WebhookEvent" },
            default: ["start", "output", "logs", "completed"],
          },
        },
      },
      PredictionResponse: {
        title: "PredictionResponse",
        type: "object",
        properties: {
          input: { $ref: "#/components/schemas/Input" },
          output: { $ref: "#/components/schemas/Output" },
          id: { type: "string" },
          version: { type: "string" },
          created_at: { format: "date-time" },
          started_at: { format: "date-time" },
          completed_at: { format: "date-time" },
          logs: { type: "string", default: "" },
          error: { type: "string" },
          status: { $ref: "#/components/schemas/Status" },
          metrics: { type: "object" },
        },
      },
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
    },
  },
};
