import { connect } from "@nats-io/transport-node";
import { startNatsServer } from "@gantry/testing/nats-server";
import { startStack } from "@gantry/testing/stack";
import { measure, type Row, table } from "./stats.ts";

/**
 * No-op prediction create → succeeded through `Prefer: wait`, beside a raw NATS request/reply
 * round trip measured against the same nats-server in the same run.
 */
export async function benchPredictions(): Promise<string> {
  await using nats = await startNatsServer();
  const token = "r8_bench_token";
  await using stack = await startStack({ natsUrl: nats.url, devToken: token });

  const responder = await connect({ servers: nats.url });
  responder.subscribe("bench.echo", { callback: (_e, m) => m.respond(m.data) });
  const requester = await connect({ servers: nats.url });
  const payload = new TextEncoder().encode(JSON.stringify({ input: { tokens: 0 } }));
  const nats1 = () => requester.request("bench.echo", payload, { timeout: 5000 }).then(() => {});

  const create = async () => {
    const res = await fetch(`${stack.baseUrl}/v1/models/gantry/test/predictions`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", prefer: "wait" },
      body: JSON.stringify({ input: { tokens: 0 } }),
    });
    const body = (await res.json()) as { status: string };
    if (body.status !== "succeeded") throw new Error(`prediction ended ${body.status}`);
  };

  // Warm up: cold boot the model server, JIT the hot paths.
  for (let i = 0; i < 50; i++) await create();
  for (let i = 0; i < 200; i++) await nats1();

  const rows: Row[] = [
    await measure("raw NATS request/reply", 2000, 1, nats1),
    await measure("raw NATS request/reply", 20000, 32, nats1),
    await measure("prediction create → succeeded (Prefer: wait)", 500, 1, create),
    await measure("prediction create → succeeded (Prefer: wait)", 2000, 32, create),
  ];
  await responder.close();
  await requester.close();
  return table("No-op prediction, end to end over HTTP (gateway → NATS → scheduler → agent → Cog server → back)", rows);
}
