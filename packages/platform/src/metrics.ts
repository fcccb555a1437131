import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { NatsConnection } from "@nats-io/nats-core";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export { Counter, Gauge, Histogram, Registry };

/** Seconds buckets for latencies from a millisecond to a cold boot of minutes. */
export const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
];

/** Distinct models a service labels series with before the rest share `other`. */
export const MAX_MODEL_LABELS = 100;

/**
 * Bounds a label's values: the first `max` distinct values are kept, later ones read `other`, so
 * a busy platform's models never make unbounded series. Model labels are `owner/name` (never
 * version or prediction ids).
 */
export function boundedLabel(max = MAX_MODEL_LABELS): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return "other";
    seen.add(value);
    return value;
  };
}

/**
 * A service's Prometheus registry: the process's default metrics (CPU, memory, event-loop lag,
 * GC) and, once {@link watchNats} is called, its NATS connection's reconnects and disconnects;
 * every series labelled with the service.
 */
export function serviceRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Counts the connection's status changes (`reconnect`, `disconnect`, …) as `gantry_nats_events_total`. */
export function watchNats(nc: NatsConnection, registry: Registry): void {
  const events = new Counter({
    name: "gantry_nats_events_total",
    help: "NATS connection status changes, by type",
    labelNames: ["type"],
    registers: [registry],
  });
  void (async () => {
    for await (const s of nc.status()) events.inc({ type: s.type });
  })().catch(() => undefined);
}

/**
 * `GET /metrics` in Prometheus's text format on its own port (never the public API's), bound to
 * `host` (loopback unless the operator lets a scraper in).
 */
export async function serveMetrics(registry: Registry, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return server;
}

/** The port a metrics server listens on (for tests that let the system pick one). */
export const portOf = (server: Server) => (server.address() as AddressInfo).port;
