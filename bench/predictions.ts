import { spawn } from "node:child_process";
import { startNatsServer } from "@gantry/testing/nats-server";
import { REPO_ROOT, startStack } from "@gantry/testing/stack";
import { connect } from "@nats-io/transport-node";
import { measure, type Row, table } from "./stats.ts";

/**
 * No-op prediction create → succeeded through `Prefer: wait`, beside a raw NATS request/reply
 * round trip measured against the same nats-server in the same run.
 */
export async function benchPredictions(): Promise<string> {
  await using nats = await startNatsServer();
  const token = "r8_bench_token";
  await using stack = await startStack({ natsUrl: nats.url, devToken: token, env: { GANTRY_RATE_LIMIT_CREATE: "0" } });

  // The echo responder runs in its own process, as every service does.
  const responder = spawn(process.execPath, ["--import", "tsx", "bench/echo-responder.ts", nats.url], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((resolve) => responder.stdout?.once("data", resolve));
  const requester = await connect({ servers: nats.url, noAsyncTraces: true });
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
    await measure("raw NATS request/reply (other process)", 2000, 1, nats1),
    await measure("raw NATS request/reply (other process)", 20000, 32, nats1),
    await measure("prediction create → succeeded (Prefer: wait)", 500, 1, create),
    await measure("prediction create → succeeded (Prefer: wait)", 2000, 32, create),
  ];
  responder.kill("SIGTERM");
  await requester.close();
  return table("No-op prediction, end to end over HTTP (gateway → NATS → scheduler → agent → Cog server → back)", rows);
}
