import type { Prediction, PredictionRecord } from "@gantry/contracts/prediction";

export const REDACTED = "**********";

/**
 * The public prediction object (reference §3.2) for a stored record. URLs are absolute, under
 * `baseUrl` (the API root, e.g. `http://127.0.0.1:8787`); secrets are redacted.
 */
export function renderPrediction(r: PredictionRecord, baseUrl: string): Prediction {
  const input = { ...r.input };
  for (const key of r.secret_fields) if (key in input) input[key] = REDACTED;
  const api = `${baseUrl}/v1/predictions/${r.id}`;
  return {
    id: r.id,
    model: r.model,
    version: r.version,
    input: r.data_removed ? {} : input,
    logs: r.data_removed ? "" : r.logs,
    output: r.data_removed ? null : r.output,
    data_removed: r.data_removed,
    error: r.error,
    status: r.status,
    source: r.source,
    created_at: r.created_at,
    started_at: r.started_at,
    completed_at: r.completed_at,
    ...(r.deadline ? { deadline: r.deadline } : {}),
    ...(r.deployment ? { deployment: r.deployment } : {}),
    ...(r.webhook ? { webhook: r.webhook } : {}),
    ...(r.webhook_events_filter ? { webhook_events_filter: r.webhook_events_filter } : {}),
    urls: {
      get: api,
      cancel: `${api}/cancel`,
      web: `${baseUrl}/p/${r.id}`,
      ...(r.streams && r.stream_token ? { stream: `${baseUrl}/v1/streams/${r.id}/${r.stream_token}` } : {}),
    },
    metrics: r.metrics,
  };
}
