import { CONSUMERS, subjects } from "@gantry/contracts/subjects";
import { encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { MISSING_RECORD_GRACE_MS } from "../../src/placer.ts";
import { start } from "../../src/service.ts";
import { newId, putTestVersion, record, SCHEDULER_CONFIG, startTestAgent, waitTerminal, workItem } from "./harness.ts";

// The gateway queues a work item before it stores the record (all-or-nothing creates).
describe("a work item queued before its record", () => {
  it("waits for a record that comes, and drops an item whose record never came once past the grace", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    await putTestVersion(buckets, 4);
    const store = new PredictionStore(buckets.predictions, nc);
    const scheduler = await start({
      nc: await connect(nats.connectOptions("scheduler")),
      now: () => new Date(),
      log: silentLogger,
      config: SCHEDULER_CONFIG,
    });
    const agent = await startTestAgent(nats, "qbr", 2);
    try {
      const js = jetstream(nc);
      const now = Date.now();
      // Its create was cut short after the item was queued: only the item exists, long past the grace.
      const orphan = record(
        newId("orphan"),
        { tokens: 1 },
        { created_at: new Date(now - MISSING_RECORD_GRACE_MS - 1000).toISOString() },
      );
      await js.publish(subjects.work("cpu"), encode({ ...workItem(orphan), enqueued_at: orphan.created_at }), {
        msgID: orphan.id,
      });
      // Queued, and its record stored a moment later: it runs.
      const late = record(newId("late"), { tokens: 1 });
      await js.publish(subjects.work("cpu"), encode(workItem(late)), { msgID: late.id });
      // Stored only once the scheduler has been handed both items (and found no record).
      const jsm = await js.jetstreamManager();
      const handed = Date.now() + 30_000;
      while ((await jsm.consumers.info(CONSUMERS.placer.stream, CONSUMERS.placer.name)).delivered.consumer_seq < 2) {
        if (Date.now() > handed) throw new Error("the scheduler was never handed the items");
        await new Promise((r) => setTimeout(r, 20));
      }
      await store.create(late);
      const [done] = await waitTerminal(store, [late.id]);
      expect(done?.status).toBe("succeeded");
      const deadline = Date.now() + 30_000;
      while ((await jsm.streams.info("WORK")).state.messages > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      // Both were acknowledged; the orphan was never run (no record was ever written for it).
      expect((await jsm.streams.info("WORK")).state.messages).toBe(0);
      expect(await store.get(orphan.id)).toBeNull();
      expect(nats.violations()).toEqual([]);
    } finally {
      await agent.close();
      await scheduler.stop();
      await nc.close();
    }
  }, 60_000);
});
