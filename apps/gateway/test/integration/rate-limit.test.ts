import { silentLogger } from "@gantry/platform/logger";
import { Registry } from "@gantry/platform/registry";
import { ensureTopology, openTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";

describe("rate limits", () => {
  it("count per account, announce what is left, and answer 429 problem JSON past the limit", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const registry = new Registry(buckets);
    const at = new Date().toISOString();
    for (const id of ["alice", "bob"]) {
      await registry.putAccount({ id, type: "user", username: id, name: id, created_at: at });
      await registry.putToken(`r8_${id}`, { account_id: id, name: "t", created_at: at });
    }
    const { app } = createApp({
      nc,
      buckets,
      signingSecret: "test-signing-secret",
      now: () => new Date(),
      newId: () => "unused",
      newToken: () => "unused",
      log: silentLogger,
      rateLimits: { createPerMinute: 2, otherPerMinute: 3 },
    });
    const get = (who: string) => app.request("/v1/hardware", { headers: { authorization: `Bearer r8_${who}` } });
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await get("alice");
      expect(res.status).toBe(200);
      remaining.push(res.headers.get("ratelimit-remaining"));
      expect(Number(res.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const refused = await get("alice");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { status: number; retry_after: number; detail: string };
    expect(body.status).toBe(429);
    expect(body.retry_after).toBe(Number(refused.headers.get("retry-after")));
    expect(body.detail).toMatch(/^Request was throttled\. .* resets in ~\d+s\.$/);
    // Another account has its own budget; creates have their own too.
    expect((await get("bob")).status).toBe(200);
    const create = () =>
      app.request("/v1/models/nobody/nothing/predictions", {
        method: "POST",
        headers: { authorization: "Bearer r8_alice" },
        body: '{"input":{}}',
      });
    expect((await create()).status).toBe(404);
    expect((await create()).status).toBe(404);
    expect((await create()).status).toBe(429);
    await nc.close();
  }, 60_000);

  it("are shared by every gateway: two gateways on one NATS allow an account its limit once", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const registry = new Registry(buckets);
    const at = new Date().toISOString();
    await registry.putAccount({ id: "carol", type: "user", username: "carol", name: "carol", created_at: at });
    await registry.putToken("r8_carol", { account_id: "carol", name: "t", created_at: at });
    // Each gateway as in production: its own connection, as the gateway identity.
    const gateways: { app: ReturnType<typeof createApp>["app"]; gnc: NatsConnection }[] = [];
    for (let i = 0; i < 2; i++) {
      const gnc = await connect(nats.connectOptions("gateway"));
      const { app } = createApp({
        nc: gnc,
        buckets: await openTopology(gnc, { identity: "gateway" }),
        signingSecret: "test-signing-secret",
        now: () => new Date(),
        newId: () => "unused",
        newToken: () => "unused",
        log: silentLogger,
        rateLimits: { createPerMinute: 600, otherPerMinute: 4 },
      });
      gateways.push({ app, gnc });
    }
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const g = gateways[i % 2];
      const res = await g?.app.request("/v1/hardware", { headers: { authorization: "Bearer r8_carol" } });
      statuses.push(res?.status ?? 0);
    }
    // Four between them (not four each), then 429 on both.
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
    // Both racing at once still hand out no more than the budget.
    await buckets.rateLimits.purge("carol.other");
    const raced = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        gateways[i % 2]?.app.request("/v1/hardware", { headers: { authorization: "Bearer r8_carol" } }),
      ),
    );
    expect(raced.filter((r) => r?.status === 200).length).toBe(4);
    expect(nats.violations()).toEqual([]);
    for (const g of gateways) await g.gnc.close();
    await nc.close();
  }, 60_000);
});
