import { spawn } from "node:child_process";
import { Agent, request } from "node:http";
import { startNatsServer } from "@gantry/testing/nats-server";
import { REPO_ROOT, type Stack, startStack } from "@gantry/testing/stack";
import { connect } from "@nats-io/transport-node";
import { measure, type Row, table } from "./stats.ts";

const TOKEN = "r8_bench_token";

/** Predictions run before anything is measured, per gateway. */
const WARM_UP = 3000;

const CREATE_BODY = JSON.stringify({ input: { tokens: 0 } });

/** The same create as `fetch` sends it, over `node:http` with a keep-alive pool: a load generator's own cost, about a third of `fetch`'s. */
function leanCreator(stack: Stack) {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL("/v1/models/gantry/test/predictions", stack.baseUrl);
  const headers = {
    authorization: `Bearer ${TOKEN}`,
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(CREATE_BODY)),
    prefer: "wait",
  };
  return () =>
    new Promise<void>((resolve, reject) => {
      const req = request(url, { method: "POST", agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = JSON.parse(Buffer.concat(chunks).toString()) as { status: string };
          if (body.status === "succeeded") resolve();
          else reject(new Error(`prediction ended ${body.status}`));
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(CREATE_BODY);
    });
}

function creator(stack: Stack) {
  return async () => {
    const res = await fetch(`${stack.baseUrl}/v1/models/gantry/test/predictions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", prefer: "wait" },
      body: CREATE_BODY,
    });
    const body = (await res.json()) as { status: string };
    if (body.status !== "succeeded") throw new Error(`prediction ended ${body.status}`);
  };
}

/**
 * No-op prediction create → succeeded through `Prefer: wait`, on the Node gateway and on the
 * workerd gateway (`wrangler dev`), beside a raw NATS request/reply round trip measured against
 * the same nats-server in the same run.
 */
export async function benchPredictions(): Promise<string> {
  await using nats = await startNatsServer({ websocket: true });
  // The echo responder runs in its own process, as every service does.
  const responder = spawn(process.execPath, ["--import", "tsx", "bench/echo-responder.ts", nats.url], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...nats.serviceEnv("operator") },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((resolve) => responder.stdout?.once("data", resolve));
  const requester = await connect({ ...nats.connectOptions(), noAsyncTraces: true });
  const payload = new TextEncoder().encode(JSON.stringify({ input: { tokens: 0 } }));
  const nats1 = () => requester.request("bench.echo", payload, { timeout: 5000 }).then(() => {});
  for (let i = 0; i < 200; i++) await nats1();
  const rows: Row[] = [
    await measure("raw NATS request/reply (other process)", 2000, 1, nats1),
    await measure("raw NATS request/reply (other process)", 20000, 32, nats1),
  ];
  responder.kill("SIGTERM");
  await requester.close();

  for (const runtime of ["node", "workerd"] as const) {
    await using stack = await startStack({
      nats,
      devToken: TOKEN,
      gatewayRuntime: runtime,
      env: { GANTRY_RATE_LIMIT_CREATE: "0" },
    });
    const create = creator(stack);
    // Warm up: cold boot the model server, then enough predictions for every process's hot paths
    // to be compiled (50 were not: c=1 went on falling from 13 to 8 ms over the next 3,000).
    for (let i = 0; i < 50; i++) await create();
    await measure("warm-up", WARM_UP, 16, create);
    const what = `prediction create → succeeded, gateway on ${runtime}`;
    rows.push(await measure(what, 500, 1, create), await measure(what, 2000, 32, create));
    // The client shares the two cores: a leaner one leaves more of them to the platform.
    const lean = leanCreator(stack);
    const leanWhat = `${what}, node:http client`;
    rows.push(await measure(leanWhat, 500, 1, lean), await measure(leanWhat, 2000, 32, lean));
  }
  return table("No-op prediction, end to end over HTTP (gateway → NATS → scheduler → agent → Cog server → back)", rows);
}
