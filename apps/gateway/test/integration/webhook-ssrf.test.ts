import { silentLogger } from "@gantry/platform/logger";
import { Registry } from "@gantry/platform/registry";
import { ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";

describe("webhook URLs that point inside the network", () => {
  it("are refused at create time with a clear 422, and nothing is stored", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const at = new Date().toISOString();
    const registry = new Registry(buckets);
    await registry.putAccount({ id: "alice", type: "user", username: "alice", name: "alice", created_at: at });
    await registry.putToken("r8_alice", { account_id: "alice", name: "t", created_at: at });
    const { app } = createApp({
      nc,
      buckets,
      signingSecret: "test-signing-secret",
      now: () => new Date(),
      newId: () => "unused",
      newToken: () => "unused",
      log: silentLogger,
      webhooks: {
        allowPrivate: false,
        lookup: async (host) => (host === "internal.example" ? ["10.1.2.3"] : ["93.184.216.34"]),
      },
    });
    for (const webhook of [
      "http://127.0.0.1:9000/hook",
      "http://169.254.169.254/latest/meta-data",
      "http://[::1]/x",
      "https://internal.example/hook",
      "http://localhost/x",
      "http://[::ffff:127.0.0.1]:4222/",
      "http://[::ffff:7f00:1]:4222/",
      "http://2130706433/",
      "http://0177.1/",
      "http://0x7f.1/",
      "http://127.1/",
      "http://[64:ff9b::7f00:1]/",
    ]) {
      const res = await app.request("/v1/models/gantry/test/predictions", {
        method: "POST",
        headers: { authorization: "Bearer r8_alice" },
        body: JSON.stringify({ input: {}, webhook }),
      });
      expect(res.status, webhook).toBe(422);
      const problem = (await res.json()) as { invalid_fields: { type: string; field: string; description: string }[] };
      expect(problem.invalid_fields[0]).toMatchObject({ type: "invalid_webhook", field: "webhook" });
      expect(problem.invalid_fields[0]?.description).toMatch(/may not reach/);
    }
    let stored = 0;
    for await (const _ of await buckets.predictions.keys()) stored++;
    expect(stored).toBe(0);
    await nc.close();
  });
});
