import { BUCKETS } from "@gantry/contracts/subjects";
import { DEFAULT_TOPOLOGY, ensureTopology, openTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { Kvm } from "@nats-io/kv";
import { connect, errors, PermissionViolationError, wsconnect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";

// Node 20 has no global WebSocket; workerd has its own (the gateway there connects with wsconnect).
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

describe("the nats-server WebSocket listener (the workerd gateway's way in)", () => {
  it("refuses anonymous clients and admits the gateway with its own permissions only", async () => {
    await using nats = await startNatsServer({ websocket: true });
    const wsUrl = nats.wsUrl ?? "";
    const anonymous = await wsconnect({ servers: wsUrl, reconnect: false }).catch((e: unknown) => e);
    expect(anonymous).toBeInstanceOf(errors.AuthorizationError);

    const provisioner = await connect(nats.connectOptions("provisioner"));
    await ensureTopology(provisioner, DEFAULT_TOPOLOGY);
    await provisioner.close();

    const gateway = await wsconnect(nats.wsConnectOptions("gateway"));
    const buckets = await openTopology(gateway, { identity: "gateway" });
    await buckets.predictions.put("p1", new TextEncoder().encode("{}"));
    expect((await buckets.predictions.get("p1"))?.string()).toBe("{}");
    const ledger = await new Kvm(gateway).open(BUCKETS.ledger, { allow_direct: true });
    const err = await ledger.put("acct.2026-01", new TextEncoder().encode("{}")).catch((e: unknown) => e);
    expect((err as { cause?: unknown }).cause).toBeInstanceOf(PermissionViolationError);
    expect(gateway.isClosed()).toBe(false);
    await gateway.close();
  });
});
