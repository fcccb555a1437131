import { STREAMS } from "@gantry/contracts/subjects";
import { listKeys } from "@gantry/platform/kv-keys";
import { DEFAULT_TOPOLOGY, ensureTopology } from "@gantry/platform/topology";
import { type NatsServer, startNatsServer } from "@gantry/testing/nats-server";
import { type Stack, startStack } from "@gantry/testing/stack";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import Replicate from "replicate";

export interface Platform {
  nats: NatsServer;
  stack: Stack;
  nc: NatsConnection;
  replicate: Replicate;
  /** Predictions stored and work items ever enqueued: to prove a refused request changed nothing. */
  counts(): Promise<{ predictions: number; enqueued: number }>;
  api(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function startPlatform(
  token = "r8_e2e_dev_token",
  options: { retentionMs?: number; agents?: number; env?: Record<string, string> } = {},
): Promise<Platform> {
  const nats = await startNatsServer({ websocket: true });
  const stack = await startStack({
    nats,
    devToken: token,
    ...options,
    // The tests' webhook receivers listen on loopback.
    env: { GANTRY_WEBHOOKS_ALLOW_PRIVATE: "1", GANTRY_ALLOW_VERSION_COMMANDS: "1", ...options.env },
    onOutput: (svc, line) => {
      const level = process.env.GANTRY_E2E_LOG;
      if (level === "all" || (level === "warn" ? /"level":"(error|warn)"/ : /"level":"error"/).test(line))
        process.stderr.write(`[${svc}] ${line}\n`);
    },
  });
  const health = (await (await fetch(`${stack.baseUrl}/health`)).json()) as { runtime: string };
  const expected = process.env.GANTRY_GATEWAY_RUNTIME === "workerd" ? "workerd" : "node";
  if (health.runtime !== expected) throw new Error(`gateway runs on ${health.runtime}, expected ${expected}`);
  const nc = await connect(nats.connectOptions());
  const buckets = await ensureTopology(nc, {
    ...DEFAULT_TOPOLOGY,
    ...(options.retentionMs ? { retentionMs: options.retentionMs } : {}),
  });
  const jsm = await jetstreamManager(nc);
  const replicate = new Replicate({ auth: token, baseUrl: `${stack.baseUrl}/v1` });
  return {
    nats,
    stack,
    nc,
    replicate,
    async counts() {
      let predictions = 0;
      for (const _ of await listKeys(buckets.predictions)) predictions++;
      const info = await jsm.streams.info(STREAMS.work.name);
      return { predictions, enqueued: info.state.last_seq };
    },
    api: (path, init = {}) =>
      fetch(`${stack.baseUrl}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
      }),
    async close() {
      await nc.close();
      await stack.stop();
      // Each service runs as its own NATS identity: anything its permissions refused shows here.
      for (const v of nats.violations()) process.stderr.write(`[nats] ${v}\n`);
      await nats[Symbol.asyncDispose]();
    },
  };
}
