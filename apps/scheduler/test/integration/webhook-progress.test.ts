import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebhookDeliveryLog } from "@gantry/contracts/webhooks";
import { decode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { ensureTopology } from "@gantry/platform/topology";
import { predictionRecord } from "@gantry/testing/fixtures";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { startWebhooks } from "../../src/webhooks/dispatcher.ts";

describe("progress webhooks with two schedulers", () => {
  it("never send a state twice or an older one after a newer, and keep the 500 ms throttle between them", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const store = new PredictionStore(buckets.predictions, nc);
    const received: { outputs: number; status: string; at: number }[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const p = JSON.parse(body) as { output: unknown[] | null; status: string };
        received.push({ outputs: p.output?.length ?? 0, status: p.status, at: Date.now() });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const config = { publicUrl: "http://api.test", allowPrivate: true, timeoutMs: 2000 };
    // Two schedulers share the change notices (queue group): each sees some of them.
    const dispatchers = await Promise.all(
      [0, 1].map(async () =>
        startWebhooks({
          nc: await connect(nats.connectOptions()),
          buckets,
          store,
          now: () => new Date(),
          log: silentLogger,
          config,
        }),
      ),
    );
    try {
      const id = "progresstwoschedulers00000";
      await store.create(
        predictionRecord({ id, webhook: url, webhook_events_filter: ["start", "output", "completed"] }),
      );
      await store.transition(id, { type: "start", at: new Date() });
      const output: string[] = [];
      for (let i = 0; i < 40; i++) {
        output.push(`tok${i}`);
        await store.transition(id, { type: "progress", at: new Date(), output: [...output], logs: "" });
        await new Promise((r) => setTimeout(r, 40));
      }
      // The last state always follows the throttle.
      await expect.poll(() => received.at(-1)?.outputs, { timeout: 5000 }).toBe(40);
      await new Promise((r) => setTimeout(r, 700));
      const progress = received.filter((r) => r.status === "processing");
      for (let i = 1; i < progress.length; i++) {
        expect(progress[i]?.outputs).toBeGreaterThan(progress[i - 1]?.outputs ?? -1);
      }
      // 40 notices over ~1.6 s: a start, then at most one output webhook per 500 ms (and the last).
      expect(progress.length).toBeLessThanOrEqual(7);
      const log = await buckets.webhookDeliveries.get(id);
      const events = decode(WebhookDeliveryLog, log?.value ?? new Uint8Array(), "log").map((e) => e.event);
      expect(events.filter((e) => e === "start")).toHaveLength(1);
    } finally {
      for (const d of dispatchers) await d.stop();
      receiver.close();
      await nc.close();
    }
  });
});
