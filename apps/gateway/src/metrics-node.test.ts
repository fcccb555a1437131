import { silentLogger } from "@gantry/platform/logger";
import { serviceRegistry } from "@gantry/platform/metrics";
import { Registry } from "@gantry/platform/registry";
import { ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { createApp } from "./app.ts";
import { requestMetrics } from "./metrics-node.ts";

describe("the gateway's request metrics", () => {
  it("count answers by route pattern and status, never by path", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const registry = new Registry(buckets);
    await registry.putAccount({
      id: "alice",
      type: "user",
      username: "alice",
      name: "alice",
      created_at: new Date().toISOString(),
    });
    await registry.putToken("r8_alice", { account_id: "alice", name: "t", created_at: new Date().toISOString() });
    const metrics = serviceRegistry("gateway");
    const { app } = createApp({
      nc,
      buckets,
      signingSecret: "s",
      now: () => new Date(),
      newId: () => "unused",
      newToken: () => "unused",
      log: silentLogger,
      observe: requestMetrics(metrics),
    });
    const auth = { authorization: "Bearer r8_alice" };
    expect((await app.request("/v1/predictions/abcdefghijklmnopqrstuvwxyz", { headers: auth })).status).toBe(404);
    expect((await app.request("/v1/account", { headers: auth })).status).toBe(200);
    expect((await app.request("/v1/account")).status).toBe(401);
    const text = await metrics.metrics();
    expect(text).toContain(
      'gantry_http_requests_total{method="GET",route="/v1/predictions/:id",status="404",service="gateway"} 1',
    );
    expect(text).toContain('route="/v1/account",status="200"');
    expect(text).toMatch(/gantry_http_requests_total\{method="GET",route="[^"]*",status="401",service="gateway"\} 1/);
    expect(text).not.toContain("abcdefghijklmnopqrstuvwxyz");
    expect(text).toContain("gantry_http_request_duration_seconds_bucket");
    await nc.close();
  });
});
