import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { assertCogClassicRuns, cogClassicArgv, startCogClassic } from "@gantry/testing/cog-classic";
import { startNatsServer } from "@gantry/testing/nats-server";
import { startStack } from "@gantry/testing/stack";
import { measure, type Row, table } from "./stats.ts";

const TOKEN = "r8_bench_token";
const INPUT = { prompt: "x", tokens: 1 };

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });

/**
 * A trivial prediction (one token) on Cog's own classic Python server (../shared/vendor/cog-0.14.12),
 * three ways in the same run: a direct synchronous `POST /predictions`; the direct asynchronous
 * `PUT /predictions/{id}` + webhooks the agent itself uses (same events filter), timed to the
 * `completed` webhook; and through Gantry (create → succeeded with `Prefer: wait`, Node gateway) on a
 * `command` version that runs the same predictor on the same server. Gantry's goal: its median within
 * 5 ms of the direct async one.
 */
export async function benchCog(): Promise<string> {
  assertCogClassicRuns();
  const rows: Row[] = [];

  // Direct: the bench talks to the server itself, as the agent would.
  const cog = await startCogClassic("text");
  const waiting = new Map<string, () => void>();
  const hooks = createServer(async (req, res) => {
    const body = JSON.parse(await readBody(req)) as { id: string; status: string };
    res.writeHead(200).end();
    if (["succeeded", "failed", "canceled"].includes(body.status)) waiting.get(body.id)?.();
  });
  await new Promise<void>((r) => hooks.listen(0, "127.0.0.1", r));
  const hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`;
  let busy = 0;
  const sync = async () => {
    // As below: the slot of the last prediction may not be free yet (409); asked again at once.
    for (;;) {
      const res = await fetch(`${cog.url}/predictions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input: INPUT }),
      });
      const body = (await res.json()) as { status: string };
      if (res.status === 409) {
        busy++;
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      if (body.status !== "succeeded") throw new Error(`direct prediction ended ${body.status} (${res.status})`);
      return;
    }
  };
  const async_ = async () => {
    const id = randomUUID().replaceAll("-", "");
    const done = new Promise<void>((resolve) => waiting.set(id, resolve));
    // Cog sends `completed` a moment before it takes the next prediction: a PUT in that moment is
    // answered 409, and is asked again at once, as often as it takes.
    for (;;) {
      const res = await fetch(`${cog.url}/predictions/${id}`, {
        method: "PUT",
        headers: { "content-type": "application/json", prefer: "respond-async" },
        body: JSON.stringify({
          id,
          input: INPUT,
          webhook: hookUrl,
          webhook_events_filter: ["output", "logs", "completed"],
        }),
      });
      await res.arrayBuffer();
      if (res.status === 202) break;
      if (res.status !== 409) throw new Error(`async PUT answered ${res.status}`);
      busy++;
      await new Promise((r) => setTimeout(r, 1));
    }
    await done;
    waiting.delete(id);
  };
  for (let i = 0; i < 30; i++) await sync();
  for (let i = 0; i < 30; i++) await async_();
  rows.push(
    await measure("Cog classic, direct POST /predictions (sync)", 300, 1, sync),
    await measure("Cog classic, direct async PUT + completed webhook", 300, 1, async_),
  );
  process.stderr.write(`cog bench: the direct requests were answered 409 ${busy} times (asked again after 1 ms)\n`);
  await cog.stop();
  hooks.close();

  // Through Gantry: the agent starts the same predictor on the same server as a `command` version.
  await using nats = await startNatsServer();
  await using stack = await startStack({
    nats,
    devToken: TOKEN,
    env: { GANTRY_RATE_LIMIT_CREATE: "0", GANTRY_ALLOW_VERSION_COMMANDS: "1" },
  });
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${stack.baseUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...init.headers },
    });
  await api("/v1/models", {
    method: "POST",
    body: JSON.stringify({ owner: "dev", name: "cog-bench", visibility: "private", hardware: "cpu" }),
  });
  const created = await api("/v1/models/dev/cog-bench/versions", {
    method: "POST",
    body: JSON.stringify({ command: cogClassicArgv("text") }),
  });
  if (created.status !== 201) throw new Error(`registering the Cog version: ${created.status} ${await created.text()}`);
  const gantry = async () => {
    const res = await api("/v1/models/dev/cog-bench/predictions", {
      method: "POST",
      headers: { prefer: "wait" },
      body: JSON.stringify({ input: INPUT }),
    });
    const body = (await res.json()) as { status: string; error?: string };
    if (body.status !== "succeeded") throw new Error(`prediction ended ${body.status}: ${body.error}`);
  };
  // The first one boots the server (Python imports take seconds).
  for (let i = 0; i < 30; i++) await gantry();
  rows.push(await measure("Cog classic through Gantry (create → succeeded, Prefer: wait)", 300, 1, gantry));
  return table("A trivial prediction on Cog's classic server: direct vs through Gantry (same run)", rows);
}
