import { freePort } from "@gantry/platform/ports";
import { startNatsServer } from "@gantry/testing/nats-server";
import { startStack } from "@gantry/testing/stack";
import Replicate from "replicate";
import { describe, expect, it } from "vitest";

// The edge gateway on a cluster: NATS_WS_URL lists every node, and a node that is down is passed over.
describe("the workerd gateway's NATS servers", () => {
  it("serves through the other server when one listed in NATS_WS_URL answers nothing", async () => {
    await using nats = await startNatsServer({ websocket: true });
    const down = `ws://127.0.0.1:${await freePort()}`;
    const token = "r8_e2e_ws_servers";
    await using stack = await startStack({
      nats,
      devToken: token,
      gatewayRuntime: "workerd",
      workerdNatsWsUrl: `${down},${nats.wsUrl}`,
    });
    const health = (await (await fetch(`${stack.baseUrl}/health`)).json()) as { runtime: string };
    expect(health.runtime).toBe("workerd");
    const replicate = new Replicate({ auth: token, baseUrl: `${stack.baseUrl}/v1` });
    expect(await replicate.run("gantry/test", { input: { tokens: 2 } })).toEqual(["tok0", " tok1"]);
  }, 120_000);
});
