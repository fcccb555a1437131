import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { silentLogger } from "@gantry/platform/logger";
import { portOf, serveMetrics, serviceRegistry } from "@gantry/platform/metrics";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { placementMetrics, predictionMetrics, webhookMetrics } from "../../src/metrics.ts";
import { start } from "../../src/service.ts";
import { enqueue, newId, putTestVersion, record, SCHEDULER_CONFIG, startTestAgent, waitTerminal } from "./harness.ts";

describe("the scheduler's /metrics", () => {
  it("show a prediction's placement, queue wait and duration by model and hardware, and its webhook's retry", async () => {
    await using nats = await startNatsServer();
    const op = await connect(nats.connectOptions());
    const buckets = await ensureTopology(op);
    await putTestVersion(buckets);
    const store = new PredictionStore(buckets.predictions, op);
    // The receiver fails the first delivery, so the completed webhook is retried once.
    let calls = 0;
    const receiver = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(++calls === 1 ? 503 : 204).end());
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    const nc = await connect(nats.connectOptions("scheduler"));
    const registry = serviceRegistry("scheduler");
    const finished = predictionMetrics(registry, nc);
    const scheduler = await start({
      nc,
      now: () => new Date(),
      log: silentLogger,
      config: SCHEDULER_CONFIG,
      onPlaced: placementMetrics(registry),
      onWebhook: webhookMetrics(registry),
    });
    const agent = await startTestAgent(nats, "metrics-it", 1);
    const server = await serveMetrics(registry, 0, "127.0.0.1");
    const scrape = async () => (await fetch(`http://127.0.0.1:${portOf(server)}/metrics`)).text();
    try {
      const id = newId("metrics");
      await enqueue(op, store, [record(id, { tokens: 2 }, { webhook: hook, webhook_events_filter: ["completed"] })]);
      const [done] = await waitTerminal(store, [id]);
      expect(done?.status).toBe("succeeded");
      await expect.poll(() => calls, { timeout: 15_000 }).toBe(2);

      const labels = 'model="gantry/test",hardware="cpu"';
      await expect
        .poll(scrape, { timeout: 5000 })
        .toContain(`gantry_predictions_total{${labels},status="succeeded",service="scheduler"} 1`);
      const text = await scrape();
      expect(text).toMatch(
        new RegExp(`gantry_placements_total\\{placement="(warm|cold)",${labels},service="scheduler"\\} 1`),
      );
      expect(text).toMatch(
        new RegExp(`gantry_queue_wait_seconds_count\\{service="scheduler",placement="(warm|cold)",${labels}\\} 1`),
      );
      expect(text).toContain(
        `gantry_prediction_duration_seconds_count{service="scheduler",${labels},status="succeeded"} 1`,
      );
      await expect
        .poll(scrape, { timeout: 5000 })
        .toContain('gantry_webhook_deliveries_total{event="completed",result="2xx",service="scheduler"} 1');
      const after = await scrape();
      expect(after).toContain('gantry_webhook_deliveries_total{event="completed",result="5xx",service="scheduler"} 1');
      expect(after).toContain('gantry_webhook_retries_total{event="completed",service="scheduler"} 1');
      // Ids stay out of the series.
      expect(after).not.toContain(id);
      expect(nats.violations()).toEqual([]);
    } finally {
      server.close();
      receiver.close();
      await agent.close();
      finished.stop();
      await scheduler.stop();
      await nc.close();
      await op.close();
    }
  }, 60_000);
});
