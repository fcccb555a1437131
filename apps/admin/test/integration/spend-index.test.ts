import { encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { SPEND_HORIZON_MS, SpendIndex } from "../../src/server/spend-index.ts";

const NOW = Date.parse("2026-06-01T00:00:00Z");
const item = (at: number, nano: number) => ({
  account_id: "acct",
  model: "acme/m",
  hardware: "cpu",
  nano,
  at: new Date(at).toISOString(),
});

describe("SpendIndex", () => {
  it("holds only the last 90 days of line items: older ones are never kept, and age out", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions("operator"));
    const { lineItems } = await ensureTopology(nc);
    const old = NOW - SPEND_HORIZON_MS - 1;
    await lineItems.put("acct.old.0", encode({ items: [item(old, 1), item(old - 1000, 2)] }));
    await lineItems.put("acct.mixed.0", encode({ items: [item(NOW - 3_600_000, 3), item(old, 4)] }));
    await lineItems.put("acct.one", encode(item(NOW - 10_000, 5)));

    let now = NOW;
    const index = new SpendIndex(silentLogger, () => new Date(now));
    await index.start(lineItems);
    try {
      expect(index.size).toBe(2); // the all-old chunk was never held
      expect([...index.points()].map((p) => p.nano).sort()).toEqual([3, 5]);

      now = NOW + SPEND_HORIZON_MS - 30_000; // the 1-hour-old item has aged out; the 10-second-old one has not
      expect([...index.points()].map((p) => p.nano)).toEqual([5]);
      expect(index.size).toBe(1);
    } finally {
      index.stop();
      await nc.close();
    }
  }, 30_000);
});
