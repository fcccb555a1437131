import { PredictionChanged } from "@gantry/contracts/events";
import { isTerminal } from "@gantry/contracts/prediction";
import { subjects } from "@gantry/contracts/subjects";
import { decode } from "@gantry/platform/codec";
import { boundedLabel, Counter, Histogram, LATENCY_BUCKETS, type Registry } from "@gantry/platform/metrics";
import { ENDED_HEADER } from "@gantry/platform/prediction-store";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Placed } from "./placer.ts";
import type { WebhookObservation } from "./webhooks/dispatcher.ts";

/**
 * The scheduler's placement metrics: `gantry_placements_total` by whether the prediction went to
 * a warm instance or waited for a cold boot, and `gantry_queue_wait_seconds` (enqueue → the agent
 * took it) the same way; both by model (`owner/name`, the first 100, then `other`) and hardware.
 */
export function placementMetrics(registry: Registry): (p: Placed) => void {
  const model = boundedLabel();
  const placements = new Counter({
    name: "gantry_placements_total",
    help: "Predictions placed on an agent, by warm instance or cold boot, model and hardware",
    labelNames: ["placement", "model", "hardware"],
    registers: [registry],
  });
  const wait = new Histogram({
    name: "gantry_queue_wait_seconds",
    help: "From enqueue to an agent taking the prediction, by warm instance or cold boot, model and hardware",
    labelNames: ["placement", "model", "hardware"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  return (p) => {
    const labels = { placement: p.warm ? "warm" : "cold", model: model(p.model), hardware: p.hardware };
    placements.inc(labels);
    wait.observe(labels, p.latencyMs / 1000);
  };
}

/**
 * Finished predictions, from the store's change notices (shared by the schedulers in a queue
 * group, so each is counted once): `gantry_predictions_total{model,hardware,status}` and
 * `gantry_prediction_duration_seconds{model,hardware,status}` (the predict time, when it ran).
 */
export function predictionMetrics(registry: Registry, nc: NatsConnection): { stop(): void } {
  const model = boundedLabel();
  const finished = new Counter({
    name: "gantry_predictions_total",
    help: "Predictions and trainings that ended, by model, hardware and status",
    labelNames: ["model", "hardware", "status"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "gantry_prediction_duration_seconds",
    help: "Predict time of predictions that ran, by model, hardware and status",
    labelNames: ["model", "hardware", "status"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const sub = nc.subscribe(subjects.changed("*"), {
    queue: "metrics",
    callback: (_err, m) => {
      // Only ended predictions count: the others' notices are not decoded.
      if (m.headers?.get(ENDED_HEADER) !== "1") return;
      let notice: PredictionChanged;
      try {
        notice = decode(PredictionChanged, m.data, "prediction change");
      } catch {
        return; // the canary judge and webhooks log bad notices
      }
      const r = notice.record;
      if (!isTerminal(r.status)) return;
      const labels = { model: model(r.model), hardware: r.hardware, status: r.status };
      finished.inc(labels);
      const predictTime = r.metrics.predict_time;
      if (typeof predictTime === "number") duration.observe(labels, predictTime);
    },
  });
  return { stop: () => sub.unsubscribe() };
}

/**
 * Webhook deliveries: `gantry_webhook_deliveries_total{event,result}` (`2xx`…`5xx`, or `error`
 * when no answer came), `gantry_webhook_retries_total{event}` (deliveries after the first
 * attempt), `gantry_webhook_abandoned_total` (a `completed` webhook given up after its retries)
 * and `gantry_webhook_delivery_seconds{event}`.
 */
export function webhookMetrics(registry: Registry): (o: WebhookObservation) => void {
  const deliveries = new Counter({
    name: "gantry_webhook_deliveries_total",
    help: "Webhook deliveries, by event and result (status class, or error)",
    labelNames: ["event", "result"],
    registers: [registry],
  });
  const retries = new Counter({
    name: "gantry_webhook_retries_total",
    help: "Webhook deliveries that were retries of an earlier attempt, by event",
    labelNames: ["event"],
    registers: [registry],
  });
  const abandoned = new Counter({
    name: "gantry_webhook_abandoned_total",
    help: "Completed webhooks given up after their last retry",
    registers: [registry],
  });
  const seconds = new Histogram({
    name: "gantry_webhook_delivery_seconds",
    help: "Time a webhook receiver took to answer, by event",
    labelNames: ["event"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  return (o) => {
    if (o.kind === "abandoned") {
      abandoned.inc();
      return;
    }
    const result = o.status === null ? "error" : `${Math.floor(o.status / 100)}xx`;
    deliveries.inc({ event: o.event, result });
    if (o.attempt > 1) retries.inc({ event: o.event });
    seconds.observe({ event: o.event }, o.seconds);
  };
}
