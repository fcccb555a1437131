import { setTimeout as sleep } from "node:timers/promises";
import { silentLogger } from "@gantry/platform/logger";
import { Registry } from "@gantry/platform/registry";
import { ensureTopology, openTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { startDeploymentKeeper } from "../../src/deployment-keeper.ts";
import { followNotices } from "../../src/notices.ts";

/** Two schedulers (cluster mode) run a keeper each: one leads at a time, and a dead leader is replaced. */
describe("deployment keeper with two schedulers", () => {
  it("has one leader at a time, and the other takes over once the leader stops renewing", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const keepers = new Map<string, { stop(): void }>();
    const connections = [];
    for (const id of ["sched-a", "sched-b"]) {
      // Each as its own scheduler process would: its own connection, as the scheduler identity.
      const snc = await connect(nats.connectOptions("scheduler"));
      connections.push(snc);
      const own = await openTopology(snc, { identity: "scheduler" });
      keepers.set(
        id,
        startDeploymentKeeper({
          nc: snc,
          buckets: own,
          registry: new Registry(own),
          now: () => new Date(),
          log: silentLogger,
          schedulerId: id,
          staleMs: 5000,
          tickMs: 200,
          notices: followNotices(snc),
        }),
      );
    }
    const leader = async () => (await buckets.leases.get("deployment-keeper"))?.string() ?? null;
    const holders = new Set<string>();
    const firstDeadline = Date.now() + 20_000;
    while ((await leader()) === null && Date.now() < firstDeadline) await sleep(100);
    // For two seconds (ten ticks each) the lease stays with the first to take it.
    for (let i = 0; i < 20; i++) {
      const l = await leader();
      if (l) holders.add(l);
      await sleep(100);
    }
    expect(holders.size).toBe(1);
    const first = [...holders][0] ?? "";
    keepers.get(first)?.stop();
    const other = first === "sched-a" ? "sched-b" : "sched-a";
    // The lease lapses (5 s TTL on `leases`) and the other keeper takes it.
    const deadline = Date.now() + 30_000;
    while ((await leader()) !== other) {
      if (Date.now() > deadline) throw new Error(`the lease stayed with ${await leader()}`);
      await sleep(200);
    }
    expect(await leader()).toBe(other);
    keepers.get(other)?.stop();
    expect(nats.violations()).toEqual([]);
    for (const c of connections) await c.close();
    await nc.close();
  }, 60_000);
});
