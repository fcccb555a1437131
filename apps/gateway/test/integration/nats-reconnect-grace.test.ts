import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { NatsAvailability } from "../../src/nats-availability.ts";

describe("NatsAvailability with a real nats-server", () => {
  it("holds a request while the connection comes back within the grace, and answers 503 past it", async () => {
    await using nats = await startNatsServer();
    const nc = await connect({ ...nats.connectOptions("gateway"), maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const patient = new NatsAvailability(nc, 120_000);
    const impatient = new NatsAvailability(nc, 0);
    await patient.ready();

    await nats.kill();
    // The connection notices the loss: a request now waits (patient) or is refused (no grace).
    for (let i = 0; impatient.up && i < 200; i++) await new Promise((r) => setTimeout(r, 50));
    expect(impatient.up).toBe(false);
    await expect(impatient.ready()).rejects.toMatchObject({ status: 503 });
    let settled = false;
    const waiting = patient.ready().then(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);

    await nats.restart();
    await waiting;
    expect(settled).toBe(true);
    expect(patient.up).toBe(true);
    await impatient.ready();
    await nc.close();
  }, 60_000);
});
