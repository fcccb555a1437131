import { subjects } from "@gantry/contracts/subjects";
import { DEMO_MODELS } from "@gantry/demo-models/catalog";
import { encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { Registry } from "@gantry/platform/registry";
import { ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { start } from "../../src/service.ts";
import { record, SCHEDULER_CONFIG, startTestAgent, VERSION, waitTerminal, workItem } from "./harness.ts";

const testModel = DEMO_MODELS.find((m) => m.name === "test");

describe("an agent whose model server is fuller than the version says", () => {
  it("hands back what the server refuses (409): the scheduler places it again, none lost or failed", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    // The version declares 2 slots; its server really has 1 (env overrides the agent's value).
    await new Registry(buckets).putVersion({
      id: VERSION,
      model: "gantry/test",
      account_id: "gantry",
      cog_version: null,
      openapi_schema: testModel?.predictor.openapi ?? {},
      runtime: { kind: "command", argv: ["env", "COG_MAX_CONCURRENCY=1", ...(testModel?.argv ?? [])] },
      concurrency: 2,
      created_at: new Date().toISOString(),
    });
    const store = new PredictionStore(buckets.predictions, nc);
    const schedulerNc = await connect(nats.connectOptions("scheduler"));
    const scheduler = await start({
      nc: schedulerNc,
      now: () => new Date(),
      log: silentLogger,
      config: SCHEDULER_CONFIG,
    });
    // One slot on the host: no second server; what the first refuses must wait for it.
    const agent = await startTestAgent(nats, "busy-it", 1);
    try {
      const js = jetstream(nc);
      const ids = Array.from({ length: 6 }, (_, i) => `busy${String(i).padStart(22, "0")}`);
      for (const id of ids) {
        const r = record(id, { tokens: 2, sleep_ms: 150 });
        await store.create(r);
        await js.publish(subjects.work("cpu"), encode(workItem(r)), { msgID: id });
      }
      const done = await waitTerminal(store, ids, 45_000);
      expect(done.map((r) => r.status)).toEqual(ids.map(() => "succeeded"));
      expect(done.every((r) => r.agent_id === "busy-it")).toBe(true);
      expect(agent.instances()).toHaveLength(1);
      const info = await (await js.jetstreamManager()).streams.info("WORK");
      expect(info.state.messages).toBe(0);
      expect(nats.violations()).toEqual([]);
    } finally {
      await scheduler.stop();
      await agent.close();
      await schedulerNc.close();
      await nc.close();
    }
  }, 60_000);
});
