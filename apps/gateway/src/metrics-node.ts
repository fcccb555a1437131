import { Counter, Gauge, Histogram, LATENCY_BUCKETS, type Registry } from "@gantry/platform/metrics";
import type { RequestObservation } from "./deps.ts";

/**
 * The gateway's request metrics (Node adapter): `gantry_http_requests_total` by method, route
 * pattern and status, and `gantry_http_request_duration_seconds` by method and route. Routes are
 * patterns (`/v1/predictions/:id`), never paths: ids and stream tokens stay out of the series.
 */
export function requestMetrics(registry: Registry): (o: RequestObservation) => void {
  const requests = new Counter({
    name: "gantry_http_requests_total",
    help: "Answered API requests, by method, route and status",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "gantry_http_request_duration_seconds",
    help: "Time to the answer's headers (streams: to their start), by method and route",
    labelNames: ["method", "route"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  return (o) => {
    requests.inc({ method: o.method, route: o.route, status: String(o.status) });
    duration.observe({ method: o.method, route: o.route }, o.seconds);
  };
}

/**
 * `gantry_stream_readers{kind}`: readers following a prediction right now, by `sse` (streams and
 * OpenAI-compatible streamed answers) and `ws` (WebSocket subscriptions).
 */
export function readerMetrics(registry: Registry): (kind: "sse" | "ws", delta: 1 | -1) => void {
  const readers = new Gauge({
    name: "gantry_stream_readers",
    help: "Readers following a prediction's events, by sse or ws",
    labelNames: ["kind"],
    registers: [registry],
  });
  // Both kinds exist from the start, so a dashboard shows 0 rather than no data.
  readers.set({ kind: "sse" }, 0);
  readers.set({ kind: "ws" }, 0);
  return (kind, delta) => readers.inc({ kind }, delta);
}
