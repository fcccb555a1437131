import { Counter, Histogram, LATENCY_BUCKETS, type Registry } from "@gantry/platform/metrics";
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
