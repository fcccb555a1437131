import { WorkItem } from "@gantry/contracts/jobs";
import { STREAMS } from "@gantry/contracts/subjects";
import { decode } from "@gantry/platform/codec";
import { listKeys } from "@gantry/platform/kv-keys";
import { silentLogger } from "@gantry/platform/logger";
import { Registry } from "@gantry/platform/registry";
import { seed } from "@gantry/platform/seed";
import { ensureTopology, openTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { demoSeedModels } from "@gantry/testing/stack";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries `f` until `ok` holds of its result, up to a generous deadline (no timing is asserted). */
async function until<T>(f: () => T | Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > deadline) return v;
    await sleep(50);
  }
}

describe("NATS outage", () => {
  it("answers creates 503 with Retry-After while NATS is down, leaves no half-created prediction, and recovers", async () => {
    await using nats = await startNatsServer();
    const op = await connect(nats.connectOptions("operator"));
    const all = await ensureTopology(op);
    await seed(new Registry(all), {
      devToken: "r8_outage",
      devUsername: "dev",
      devPrivileges: [],
      models: demoSeedModels(),
      collections: [],
      now: new Date(),
    });
    // The gateway as in production: its own identity, so every subject it uses must be permitted.
    const nc = await connect({ ...nats.connectOptions("gateway"), maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const buckets = await openTopology(nc, { identity: "gateway" });
    let n = 0;
    const { app } = createApp({
      nc,
      buckets,
      signingSecret: "test-signing-secret",
      now: () => new Date(),
      newId: () => `outage${String(n++).padStart(20, "0")}`,
      newToken: () => `token${n}`,
      log: silentLogger,
    });
    const create = () =>
      app.request("/v1/models/gantry/test/predictions", {
        method: "POST",
        headers: { authorization: "Bearer r8_outage", "content-type": "application/json" },
        body: JSON.stringify({ input: { tokens: 1 } }),
      });
    expect((await create()).status).toBe(201);

    await nats.kill();
    const refused = await until(create, (r) => r.status !== 201);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await refused.json()) as { status: number; title: string; detail: string };
    expect(problem).toMatchObject({ status: 503, title: "Service unavailable" });
    expect(problem.detail).toMatch(/nothing was changed/);
    // Every route that needs NATS says the same, reads included.
    const read = await app.request("/v1/predictions", { headers: { authorization: "Bearer r8_outage" } });
    expect(read.status).toBe(503);

    await nats.restart();
    const accepted = await until(create, (r) => r.status === 201);
    expect(accepted.status).toBe(201);

    // Whole creates only: every stored prediction has its work item queued, and nothing else is queued.
    const recheck = await connect(nats.connectOptions("operator"));
    const stored = (await listKeys((await openTopology(recheck, { identity: "operator" })).predictions)).sort();
    const jsm = await jetstreamManager(recheck);
    const { state } = await jsm.streams.info(STREAMS.work.name);
    const queued: string[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(STREAMS.work.name, { seq });
      if (m) queued.push(decode(WorkItem, m.data, "work item").prediction_id);
    }
    expect(stored.length).toBe(2);
    expect(queued.sort()).toEqual(stored);
    expect(nats.violations()).toEqual([]);
    await recheck.close();
    await nc.close();
    await op.close();
    // A request first waits up to RECONNECT_GRACE_MS for the connection to come back.
  }, 60_000);
});
