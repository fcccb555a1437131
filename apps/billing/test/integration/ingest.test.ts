import { type BillingQuery, Invoice, Ledger } from "@gantry/contracts/billing";
import { subjects } from "@gantry/contracts/subjects";
import { decode, encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { DEFAULT_PRICES } from "../../src/core/prices.ts";
import { start } from "../../src/service.ts";
import { mulberry32 } from "../random.ts";
import { directTotals, genEvents, genPrices, predictionId, totalsOf } from "../usage-gen.ts";
import { lastSeq, publishEvents, readLedgers, readLineItems, sorted, waitForPosition } from "./harness.ts";

const topology = { replicas: 1, retentionMs: 60_000 };

/** A one-second prediction of alice's in February 2026: every one lands in the same line-item chunk. */
const alicePredict = (i: number) => ({
  kind: "predict" as const,
  prediction_id: predictionId(i),
  account_id: "alice",
  model: "acme/llm",
  version_id: "a".repeat(64),
  agent_id: "agent-0",
  hardware: "gpu-h100",
  predict_ms: 1000,
  at: "2026-02-15T10:00:00.000Z",
});

describe("billing service with a real nats-server", () => {
  it("applies usage exactly once: duplicates by msgID, a stop and a restart", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc, topology);
    const js = jetstream(nc);
    const rng = mulberry32(7);
    const prices = genPrices(rng);
    const events = genEvents(rng, 3000);
    const config = { prices, batchSize: 200, topology };

    await publishEvents(js, rng, events.slice(0, 2000), 0.05);
    const billing = await start({ nc, log: silentLogger, config });
    await waitForPosition(buckets.ledger, await lastSeq(nc));
    await billing.stop();

    // A second run resumes after the stored position, and sees the rest.
    await publishEvents(js, rng, events.slice(1000), 0.05);
    const again = await start({ nc, log: silentLogger, config });
    await waitForPosition(buckets.ledger, await lastSeq(nc));

    expect(sorted(totalsOf(await readLedgers(buckets.ledger)))).toEqual(sorted(directTotals(prices, events)));
    const predictions = events.filter((e) => e.kind === "predict").map((e) => e.prediction_id);
    const items = await readLineItems(buckets.lineItems);
    expect(items.map((i) => i.prediction_id).sort()).toEqual(predictions.sort());
    await again.stop();
    await nc.close();
  }, 60_000);

  it("answers usage and invoice requests, decoded with their contracts", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc, topology);
    const js = jetstream(nc);
    const rng = mulberry32(3);
    const at = (iso: string, i: number) => ({
      kind: "predict" as const,
      prediction_id: predictionId(i),
      account_id: "alice",
      model: "acme/llm",
      version_id: "a".repeat(64),
      agent_id: "agent-0",
      hardware: "gpu-h100",
      predict_ms: 10_000,
      at: iso,
    });
    await publishEvents(js, rng, [at("2026-01-15T10:00:00.000Z", 1), at("2026-02-15T10:00:00.000Z", 2)], 1);
    const now = () => new Date("2026-02-20T00:00:00.000Z");
    const billing = await start({
      nc,
      log: silentLogger,
      now,
      config: { prices: DEFAULT_PRICES, batchSize: 100, topology },
    });
    await waitForPosition(buckets.ledger, await lastSeq(nc));

    const ask = async (subject: string, q: BillingQuery) => nc.request(subject, encode(q), { timeout: 2000 });
    const jan = decode(
      Ledger,
      (await ask(subjects.billingUsage(), { account_id: "alice", period: "2026-01" })).data,
      "ledger",
    );
    expect(jan).toMatchObject({ total_nano: 15_250_000, predictions: 1, by_deployment: {} });
    const none = decode(
      Ledger,
      (await ask(subjects.billingUsage(), { account_id: "bob", period: "2026-01" })).data,
      "l",
    );
    expect(none).toMatchObject({ account_id: "bob", total_nano: 0, predictions: 0 });

    const invoice = decode(
      Invoice,
      (await ask(subjects.billingInvoice(), { account_id: "alice", period: "2026-01" })).data,
      "invoice",
    );
    expect(invoice).toMatchObject({
      total_nano: 15_250_000,
      total_usd: "0.01525",
      lines: [{ sku: "gpu-h100", seconds: 10 }],
    });

    const open = await ask(subjects.billingInvoice(), { account_id: "alice", period: "2026-02" });
    expect(open.headers?.get("Nats-Service-Error-Code")).toBe("409");
    const bad = await nc.request(subjects.billingUsage(), encode({ account_id: "alice", period: "2026-13" }), {
      timeout: 2000,
    });
    expect(bad.headers?.get("Nats-Service-Error-Code")).toBe("400");

    const items = await readLineItems(buckets.lineItems);
    expect(items.find((i) => i.prediction_id === predictionId(2))).toMatchObject({
      nano: 15_250_000,
      period: "2026-02",
      billing: "predict",
      seq: 2,
    });
    await billing.stop();
    await nc.close();
  }, 30_000);

  it("spreads one line-item chunk write over the events of a linger, not one write per event", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc, topology);
    const js = jetstream(nc);
    const rng = mulberry32(11);
    const prices = DEFAULT_PRICES;
    // One account and month, so every event lands in the same chunk.
    const events = Array.from({ length: 60 }, (_, i) => alicePredict(i));
    const writes = async (lingerMs: number) => {
      const billing = await start({ nc, log: silentLogger, config: { prices, batchSize: 4000, topology, lingerMs } });
      const watch = await buckets.lineItems.watch({ include: "updates" });
      let count = 0;
      void (async () => {
        for await (const e of watch) if (e.operation === "PUT") count++;
      })();
      // One event at a time, each after the last was stored: billing catches up after every one.
      for (const e of events.slice(0, 30)) await publishEvents(js, rng, [e], 0);
      await waitForPosition(buckets.ledger, await lastSeq(nc));
      await billing.stop();
      watch.stop();
      return count;
    };
    const lingering = await writes(1000);
    expect(lingering).toBeGreaterThan(0);
    expect(lingering).toBeLessThanOrEqual(3);
    // Without the linger, every event that finds billing caught up is its own batch and write.
    events.splice(0, 30);
    expect(await writes(0)).toBeGreaterThan(10);
    await nc.close();
  }, 30_000);

  it("a consumer reopened while a batch lingers applies what comes after, lingering again", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc, topology);
    const js = jetstream(nc);
    const rng = mulberry32(5);
    const bnc = await connect(nats.connectOptions());
    const config = { prices: DEFAULT_PRICES, batchSize: 4000, topology, lingerMs: 4000 };
    const billing = await start({ nc: bnc, log: silentLogger, config });
    await publishEvents(js, rng, [alicePredict(1)], 0);
    // The batch is lingering when billing's connection drops and comes back (its consumer reopens).
    await new Promise((r) => setTimeout(r, 200));
    await bnc.reconnect();
    await publishEvents(js, rng, [alicePredict(2)], 0);
    // Within a linger and a bit after the reopen (the reopened consumer's batch lingers again).
    await waitForPosition(buckets.ledger, await lastSeq(nc), 15_000);
    const items = await readLineItems(buckets.lineItems);
    expect(items.map((i) => i.prediction_id).sort()).toEqual([predictionId(1), predictionId(2)]);
    await billing.stop();
    await bnc.close();
    await nc.close();
  }, 30_000);
});
