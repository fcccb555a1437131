import { setTimeout as sleep } from "node:timers/promises";
import { BUCKETS } from "@gantry/contracts/subjects";
import { allStreams } from "@gantry/platform/nats-permissions";
import { type NatsCluster, startNatsCluster } from "@gantry/testing/nats-cluster";
import { type Stack, startStack } from "@gantry/testing/stack";
import { jetstreamManager } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import Replicate from "replicate";

/** The platform as `GANTRY_CLUSTER=3 npm start` runs it: three NATS nodes (R3) and two of each service. */
export interface ClusterPlatform {
  cluster: NatsCluster;
  stack: Stack;
  /** The operator, connected to every node (fails over). */
  nc: NatsConnection;
  /** The agents' heartbeats (KV `agents`), through `nc`. */
  agents: KV;
  token: string;
  /** Gateway copies a load balancer would send traffic to (the test takes a stopped one out). */
  inService: Set<number>;
  /** The last lines a service printed (any level): for failure messages. */
  tail(service: string): string[];
  /** The official client through gateway `i`. */
  replicate(i: number): Replicate;
  /** A request through a gateway in service (round robin), as a balancer in front of them would. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** The same through gateway `i` only. */
  apiVia(i: number, path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function startClusterPlatform(
  token = "r8_cluster_dev_token",
  o: { copies?: number; env?: Record<string, string> } = {},
): Promise<ClusterPlatform> {
  const copies = o.copies ?? 2;
  const tails = new Map<string, string[]>();
  const logNats = process.env.GANTRY_E2E_LOG === "all";
  const cluster = await startNatsCluster({
    onOutput: (node, line) => {
      if (logNats) process.stderr.write(`[${node}] ${line}\n`);
    },
  });
  const stack = await startStack({
    nats: cluster,
    devToken: token,
    replicas: 3,
    gateways: copies,
    schedulers: copies,
    billings: copies,
    agents: copies,
    // Gateways on Node: the cluster suite is about NATS and the services, once per run of `npm test`.
    gatewayRuntime: "node",
    startTimeoutMs: 180_000,
    env: { GANTRY_WEBHOOKS_ALLOW_PRIVATE: "1", GANTRY_ALLOW_VERSION_COMMANDS: "1", ...o.env },
    onOutput: (svc, line) => {
      const tail = tails.get(svc) ?? [];
      tail.push(line);
      tails.set(svc, tail.slice(-20));
      const level = process.env.GANTRY_E2E_LOG;
      if (level === "all" || (level === "warn" ? /"level":"(error|warn)"/ : /"level":"error"/).test(line))
        process.stderr.write(`[${svc}] ${line}\n`);
    },
  }).catch(async (err: unknown) => {
    await cluster[Symbol.asyncDispose]();
    throw err;
  });
  const nc = await connect({ ...cluster.connectOptions("operator"), maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const inService = new Set(stack.baseUrls.map((_, i) => i));
  const clients = stack.baseUrls.map((url) => new Replicate({ auth: token, baseUrl: `${url}/v1` }));
  let next = 0;
  const apiVia = (i: number, path: string, init: RequestInit = {}) =>
    fetch(`${stack.baseUrls[i]}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
    });
  // Bound without a round trip (direct gets): nothing to time out while a node is away.
  const agents = await new Kvm(nc).open(BUCKETS.agents, { allow_direct: true });
  return {
    cluster,
    stack,
    nc,
    agents,
    token,
    inService,
    tail: (service) => [...(tails.get(service) ?? [])],
    replicate: (i) => {
      const c = clients[i];
      if (!c) throw new Error(`no gateway ${i}`);
      return c;
    },
    api: (path, init) => {
      const live = [...inService];
      const i = live[next++ % Math.max(1, live.length)] ?? 0;
      return apiVia(i, path, init);
    },
    apiVia,
    async close() {
      await nc.close();
      await stack.stop();
      for (const v of cluster.violations()) process.stderr.write(`[nats] ${v}\n`);
      await cluster[Symbol.asyncDispose]();
    },
  };
}

/** Whether node `name` holds every stream and bucket: leader, or a current replica with no lag. */
export async function nodeCaughtUp(nc: NatsConnection, name: string): Promise<{ ok: boolean; behind: string[] }> {
  const jsm = await jetstreamManager(nc);
  const behind: string[] = [];
  for (const stream of allStreams()) {
    const info = await jsm.streams.info(stream).catch(() => null);
    const peer = info?.cluster?.replicas?.find((r) => r.name === name);
    const ok = info?.cluster?.leader === name || (peer?.current === true && (peer.lag ?? 0) === 0);
    if (!ok) behind.push(`${stream} (${JSON.stringify(info?.cluster ?? null)})`);
  }
  return { ok: behind.length === 0, behind };
}

/** Polls {@link nodeCaughtUp} until it holds or `timeoutMs` passes; the streams still behind. */
export async function waitCaughtUp(nc: NatsConnection, name: string, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await nodeCaughtUp(nc, name).catch((err: unknown) => ({ ok: false, behind: [String(err)] }));
    if (r.ok || Date.now() > deadline) return r.behind;
    await sleep(500);
  }
}
