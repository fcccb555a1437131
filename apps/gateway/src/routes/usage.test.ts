import { start as startBilling } from "@gantry/billing/service";
import { subjects } from "@gantry/contracts/subjects";
import type { PredictUsage } from "@gantry/contracts/usage";
import { encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { Registry } from "@gantry/platform/registry";
import { setSpendLimit } from "@gantry/platform/spend-limits";
import { DEFAULT_TOPOLOGY, ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { createApp } from "../app.ts";
import type { GatewayDeps } from "../deps.ts";
import { checkSpend } from "../spend-guard.ts";

const NOW = new Date("2026-02-20T12:00:00.000Z");
const usage = (i: number, account_id: string, at: string, extra: Partial<PredictUsage> = {}): PredictUsage => ({
  kind: "predict",
  prediction_id: `p${String(i).padStart(25, "0")}`,
  account_id,
  model: "acme/llm",
  version_id: "a".repeat(64),
  agent_id: "agent-0",
  hardware: "gpu-a100-large",
  predict_ms: 10_000,
  at,
  ...extra,
});

describe("account usage and spend limits, against the billing service", () => {
  it("GET /v1/account/usage shows the period's ledger; 402 past the spend limit; 503 without billing", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const registry = new Registry(buckets);
    for (const id of ["alice", "bob"]) {
      await registry.putAccount({ id, type: "user", username: id, name: id, created_at: NOW.toISOString() });
      await registry.putToken(`r8_${id}`, { account_id: id, name: "t", created_at: NOW.toISOString() });
    }
    const js = jetstream(nc);
    const events = [
      usage(1, "alice", "2026-02-10T00:00:00.000Z"),
      usage(2, "alice", "2026-02-11T00:00:00.000Z", { deployment: "alice/prod", billing: "uptime" }),
      usage(3, "alice", "2026-01-31T00:00:00.000Z"),
    ];
    for (const e of events)
      await js.publish(subjects.usage("predict", "agent-0"), encode(e), { msgID: e.prediction_id });
    const billing = await startBilling({
      nc,
      log: silentLogger,
      config: {
        prices: [{ sku: "gpu-a100-large", price_per_second: 1_400_000, effective_from: "1970-01-01T00:00:00.000Z" }],
        batchSize: 100,
        topology: DEFAULT_TOPOLOGY,
      },
    });
    const last = (await (await jetstreamManager(nc)).streams.info("USAGE")).state.last_seq;
    while (billing.position < last) await new Promise((r) => setTimeout(r, 20));

    const deps: GatewayDeps = {
      nc,
      buckets,
      signingSecret: "s",
      now: () => NOW,
      newId: () => "unused",
      newToken: () => "unused",
      log: silentLogger,
      cacheTtlMs: 0,
      rateLimits: { createPerMinute: 0, otherPerMinute: 0 },
    };
    const { app } = createApp(deps);
    const get = (path: string, who = "alice") => app.request(path, { headers: { authorization: `Bearer r8_${who}` } });

    const res = await get("/v1/account/usage");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      period: "2026-02",
      total_usd: "0.014",
      total_nano: 14_000_000,
      by_hardware: { "gpu-a100-large": { ms: 10_000, nano: 14_000_000, usd: "0.014" } },
      by_model: { "acme/llm": { ms: 10_000, nano: 14_000_000, usd: "0.014" } },
      by_deployment: {},
      by_unit: {},
      predictions: 2,
    });
    expect(await (await get("/v1/account/usage?period=2026-01")).json()).toMatchObject({ total_nano: 14_000_000 });
    expect(await (await get("/v1/account/usage", "bob")).json()).toMatchObject({ total_usd: "0.00", predictions: 0 });
    expect((await get("/v1/account/usage?period=2026-13")).status).toBe(400);
    expect((await app.request("/v1/account/usage")).status).toBe(401);

    // Spend limits: none → allowed; under → allowed; reached → 402 with Replicate's title.
    await expect(checkSpend(deps, "alice")).resolves.toBeUndefined();
    await setSpendLimit(buckets.accounts, "alice", 14_000_001);
    await expect(checkSpend(deps, "alice")).resolves.toBeUndefined();
    await setSpendLimit(buckets.accounts, "alice", 14_000_000);
    const refused = await checkSpend(deps, "alice").catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: "PAYMENT_REQUIRED", status: 402 });
    const problem = (refused as { toProblem(): unknown }).toProblem();
    expect(problem).toEqual({
      title: "Billing required",
      status: 402,
      detail: expect.stringMatching(
        /^You have reached your spend limit of \$0\.014 for this billing period \(2026-02\)\./,
      ),
    });
    await expect(checkSpend(deps, "bob")).resolves.toBeUndefined();

    // Billing down: the usage view answers 503, the spend check lets predictions through.
    await billing.stop();
    const down = await get("/v1/account/usage");
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 503, title: "Service unavailable" });
    await expect(checkSpend(deps, "alice")).resolves.toBeUndefined();
    await setSpendLimit(buckets.accounts, "alice", null);
    await nc.close();
  }, 30_000);
});
