import { encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { DEFAULT_TOPOLOGY, ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { createAdminDeps } from "../../src/server/deps.ts";
import { appRouter } from "../../src/server/router.ts";
import { createCallerFactory } from "../../src/server/trpc.ts";
import { ADMIN_TOKEN, heartbeat, storePrediction } from "../helpers.ts";

const createCaller = createCallerFactory(appRouter);

describe("the admin console as its own NATS identity", () => {
  it("every procedure works within the admin's permissions: the server refuses nothing", async () => {
    await using nats = await startNatsServer();
    const operator = await connect(nats.connectOptions());
    await ensureTopology(operator, DEFAULT_TOPOLOGY);
    const options = { now: () => new Date(), log: silentLogger, adminToken: ADMIN_TOKEN, topology: DEFAULT_TOPOLOGY };
    // What the gateway and agents would have written, written here as the operator.
    const seeding = await createAdminDeps({ ...options, nc: operator });
    const queued = await storePrediction(seeding, { account_id: "alice" });
    await storePrediction(seeding, { account_id: "alice", status: "succeeded" });
    await seeding.buckets.agents.put("agent-0", encode(heartbeat()));
    seeding.stop();

    const adminNc = await connect(nats.connectOptions("admin"));
    const deps = await createAdminDeps({ ...options, nc: adminNc, queueSampleMs: 0 });
    const admin = createCaller({ ...deps, bearer: ADMIN_TOKEN, apiToken: null });
    try {
      await admin.accounts.create({ username: "alice", name: "Alice" });
      const { token } = await admin.tokens.create({ account_id: "alice", name: "dash" });
      expect((await admin.accounts.list()).map((a) => a.id)).toContain("alice");
      expect((await admin.predictions.search({ account: "alice" })).items).toHaveLength(2);
      expect((await admin.predictions.get({ id: queued.id })).id).toBe(queued.id);
      expect((await admin.predictions.cancel({ id: queued.id })).status).toBe("canceled");
      expect((await admin.agents.list()).map((a) => a.agent_id)).toEqual(["agent-0"]);
      await admin.queues.list();
      await admin.models.list();
      await admin.deployments.list();
      await admin.usage.periods();
      await admin.usage.summary({});
      await admin.usage.timeline({ hours: 1, buckets: 4 });
      // The user's dashboard signs in with an API token: the admin reads tokens, never writes the ledger.
      const user = createCaller({ ...deps, bearer: null, apiToken: token });
      expect((await user.me.account()).id).toBe("alice");
      await user.me.usage({});
      expect(nats.violations()).toEqual([]);
    } finally {
      deps.stop();
      await adminNc.close();
      await operator.close();
    }
  });
});
