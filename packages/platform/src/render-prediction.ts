import type { Prediction, PredictionRecord } from "@gantry/contracts/prediction";
import type { Training } from "@gantry/contracts/trainings";

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
    ...(r.queue && r.status === "starting" ? { queue: r.queue } : {}),
  };
}

/** The public training object (reference §8.4): a prediction's shape under `/v1/trainings`. */
export function renderTraining(r: PredictionRecord, baseUrl: string): Training {
  const p = renderPrediction(r, baseUrl);
  const api = `${baseUrl}/v1/trainings/${r.id}`;
  return {
    id: p.id,
    model: p.model,
    version: p.version,
    destination: r.destination ?? "",
    input: p.input,
    output: p.output,
    logs: p.logs,
    error: p.error,
    status: p.status,
    source: p.source,
    data_removed: p.data_removed,
    created_at: p.created_at,
    started_at: p.started_at,
    completed_at: p.completed_at,
    ...(p.webhook ? { webhook: p.webhook } : {}),
    ...(p.webhook_events_filter ? { webhook_events_filter: p.webhook_events_filter } : {}),
    urls: { get: api, cancel: `${api}/cancel`, web: p.urls.web },
    metrics: p.metrics,
  };
}

/** A stored record as the API shows it: a training as a training, anything else as a prediction. */
export function renderRecord(r: PredictionRecord, baseUrl: string): Prediction | Training {
  return r.kind === "training" ? renderTraining(r, baseUrl) : renderPrediction(r, baseUrl);
}
