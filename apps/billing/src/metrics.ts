import { STREAMS } from "@gantry/contracts/subjects";
import { Gauge, type Registry } from "@gantry/platform/metrics";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";

/**
 * Billing's metrics: `gantry_billing_position` (the last usage event applied) and
 * `gantry_billing_lag_events` (events on the `USAGE` stream not applied yet), read at each scrape;
 * their rate is the ingest rate.
 */
export function billingMetrics(registry: Registry, nc: NatsConnection, position: () => number): void {
  new Gauge({
    name: "gantry_billing_position",
    help: "Stream sequence of the last usage event applied",
    registers: [registry],
    collect() {
      this.set(position());
    },
  });
  new Gauge({
    name: "gantry_billing_lag_events",
    help: "Usage events stored but not yet applied",
    registers: [registry],
    async collect() {
      const info = await (await jetstreamManager(nc)).streams.info(STREAMS.usage.name).catch(() => null);
      if (info) this.set(Math.max(0, info.state.last_seq - position()));
    },
  });
}
