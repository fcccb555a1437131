import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { Counter, portOf, serveMetrics, serviceRegistry, watchNats } from "../../src/metrics.ts";

describe("a service's /metrics", () => {
  it("serves Prometheus text on its own port, with the process's and NATS's series, and nothing else", async () => {
    await using nats = await startNatsServer();
    const nc = await connect({ ...nats.connectOptions(), maxReconnectAttempts: -1, reconnectTimeWait: 50 });
    const registry = serviceRegistry("test-svc");
    watchNats(nc, registry);
    new Counter({ name: "gantry_test_total", help: "a test counter", registers: [registry] }).inc(3);
    const server = await serveMetrics(registry, 0, "127.0.0.1");
    const url = `http://127.0.0.1:${portOf(server)}`;
    try {
      // The server goes away and comes back: the connection's reconnect is counted.
      await nats.restart();
      let text = "";
      for (let i = 0; i < 100 && !text.includes('type="reconnect"'); i++) {
        await new Promise((r) => setTimeout(r, 50));
        text = await (await fetch(`${url}/metrics`)).text();
      }
      expect(text).toContain('gantry_test_total{service="test-svc"} 3');
      expect(text).toMatch(/gantry_nats_events_total\{type="reconnect",service="test-svc"\} [1-9]/);
      expect(text).toContain("process_cpu_seconds_total");
      expect((await fetch(`${url}/other`)).status).toBe(404);
      expect((await fetch(`${url}/metrics`, { method: "POST" })).status).toBe(404);
    } finally {
      server.close();
      await nc.close();
    }
  });
});
