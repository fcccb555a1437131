import { silentLogger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { start } from "../../src/service.ts";
import {
  enqueue,
  newId,
  putTestDeployment,
  putTestVersion,
  record,
  SCHEDULER_CONFIG,
  startTestAgent,
  waitTerminal,
} from "./harness.ts";

const now = () => new Date();

describe("max_instances with two schedulers", () => {
  it("two schedulers placing one deployment's burst never boot past its max_instances between them", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    await putTestVersion(buckets, 1);
    await putTestDeployment(buckets, "prod", { min_instances: 0, max_instances: 1 });
    const store = new PredictionStore(buckets.predictions, nc);
    // Each scheduler on its own connection, as two processes would be.
    const ncs = await Promise.all([connect(nats.connectOptions()), connect(nats.connectOptions())]);
    const schedulers = await Promise.all(
      ncs.map((c) => start({ nc: c, now, log: silentLogger, config: SCHEDULER_CONFIG })),
    );
    const agents = await Promise.all([startTestAgent(nats, "max-a", 2), startTestAgent(nats, "max-b", 2)]);
    let most = 0;
    const watch = setInterval(() => {
      const live = agents.flatMap((a) => a.instances()).filter((i) => i.state !== "failed");
      most = Math.max(most, live.filter((i) => i.tenancy.deployment === "acme/prod").length);
    }, 2);
    try {
      const burst = Array.from({ length: 8 }, () =>
        record(newId("max"), { sleep_ms: 50 }, { deployment: "acme/prod" }),
      );
      await enqueue(nc, store, burst);
      const done = await waitTerminal(
        store,
        burst.map((r) => r.id),
      );
      expect(done.map((r) => r.status)).toEqual(done.map(() => "succeeded"));
      expect(most).toBe(1);
    } finally {
      clearInterval(watch);
      await Promise.all(schedulers.map((s) => s.stop()));
      await Promise.all(agents.map((a) => a.close()));
      await Promise.all(ncs.map((c) => c.close()));
      await nc.close();
    }
  }, 30_000);
});
