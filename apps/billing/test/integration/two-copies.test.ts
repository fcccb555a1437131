import { IngestPosition, POSITION_KEY } from "@gantry/contracts/billing";
import { decode, encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { advancePosition, readPosition } from "../../src/ingest.ts";
import { start } from "../../src/service.ts";
import { mulberry32 } from "../random.ts";
import { directTotals, genEvents, genPrices, totalsOf } from "../usage-gen.ts";
import { lastSeq, publishEvents, readLedgers, readLineItems, sorted, waitForPosition } from "./harness.ts";

const topology = { replicas: 1, retentionMs: 60_000 };

/** Cluster mode runs two billing processes on the same stream: they must agree, never double-count. */
describe("two billing processes on one USAGE stream", () => {
  it("apply every event once between them, through a stop of one, and never rewind the position", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc, topology);
    const js = jetstream(nc);
    const rng = mulberry32(11);
    const prices = genPrices(rng);
    const events = genEvents(rng, 4000);
    const config = { prices, batchSize: 100, topology };
    // Each copy is its own process in production: its own connection, as the billing identity.
    const ncA = await connect(nats.connectOptions("billing"));
    const ncB = await connect(nats.connectOptions("billing"));

    await publishEvents(js, rng, events.slice(0, 1500), 0.05);
    const a = await start({ nc: ncA, log: silentLogger, config });
    const b = await start({ nc: ncB, log: silentLogger, config });
    await publishEvents(js, rng, events.slice(1500, 3000), 0.05);
    await a.stop();
    await publishEvents(js, rng, events.slice(3000), 0.05);
    await waitForPosition(buckets.ledger, await lastSeq(nc));
    await b.stop();

    expect(sorted(totalsOf(await readLedgers(buckets.ledger)))).toEqual(sorted(directTotals(prices, events)));
    const predictions = events.filter((e) => e.kind === "predict").map((e) => e.prediction_id);
    const items = await readLineItems(buckets.lineItems);
    expect(items.map((i) => i.prediction_id).sort()).toEqual(predictions.sort());
    expect(await readPosition(buckets.ledger)).toBe(await lastSeq(nc));
    expect(nats.violations()).toEqual([]);
    await ncA.close();
    await ncB.close();
    await nc.close();
  }, 120_000);

  it("a lagging copy's position write never moves the stored position back", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const { ledger } = await ensureTopology(nc, topology);
    await advancePosition(ledger, { seq: 100, at: new Date(0).toISOString() });
    await advancePosition(ledger, { seq: 40, at: new Date(1).toISOString() });
    expect(await readPosition(ledger)).toBe(100);
    // Two writers racing: the higher one wins whatever the order.
    await Promise.all([
      advancePosition(ledger, { seq: 150, at: new Date(2).toISOString() }),
      advancePosition(ledger, { seq: 120, at: new Date(3).toISOString() }),
    ]);
    const entry = await ledger.get(POSITION_KEY);
    expect(entry && decode(IngestPosition, entry.value, "position").seq).toBe(150);
    // A position stored by an earlier version with a blind put is still read and advanced.
    await ledger.put(POSITION_KEY, encode({ seq: 160, at: new Date(4).toISOString() }));
    await advancePosition(ledger, { seq: 170, at: new Date(5).toISOString() });
    expect(await readPosition(ledger)).toBe(170);
    await nc.close();
  }, 60_000);
});
