import { subjects } from "@gantry/contracts/subjects";
import { encode } from "@gantry/platform/codec";
import { serviceRegistry } from "@gantry/platform/metrics";
import { ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { billingMetrics } from "../../src/metrics.ts";

describe("billing's metrics", () => {
  it("show the position and how many usage events wait behind it", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    await ensureTopology(nc);
    const js = jetstream(nc);
    for (let i = 0; i < 5; i++) {
      await js.publish(subjects.usage("predict", "agent-0"), encode({ n: i }), { msgID: `m${i}` });
    }
    const registry = serviceRegistry("billing");
    let position = 2;
    billingMetrics(registry, nc, () => position);
    let text = await registry.metrics();
    expect(text).toContain('gantry_billing_position{service="billing"} 2');
    expect(text).toContain('gantry_billing_lag_events{service="billing"} 3');
    position = 5;
    text = await registry.metrics();
    expect(text).toContain('gantry_billing_lag_events{service="billing"} 0');
    await nc.close();
  });
});
