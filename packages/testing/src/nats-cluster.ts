import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  generateNatsSeeds,
  type NatsSeeds,
  natsAuth,
  publicKeyOf,
  renderNatsAccountsForSeeds,
} from "@gantry/platform/nats-credentials";
import { NATS_IDENTITIES, type NatsIdentity } from "@gantry/platform/nats-permissions";
import { freePort } from "@gantry/platform/ports";
import { jetstreamManager } from "@nats-io/jetstream";
import { type ConnectionOptions, connect } from "@nats-io/transport-node";
import { natsServerBinary, natsServerVersion } from "./nats-server.ts";

export interface NatsClusterOptions {
  /** How many nodes (default 3: JetStream R3 keeps working with one of them down). */
  nodes?: number;
  /** A WebSocket listener on every node (the workerd gateway reaches NATS through it). */
  websocket?: boolean;
  /** Where the nodes keep their JetStream stores (`<root>/n<i>`); a fresh temporary folder when unset. */
  storeRoot?: string;
  /** The identities' nkey seeds; fresh ones when unset. */
  seeds?: NatsSeeds;
  /** Told each node's stderr line (default: dropped). */
  onOutput?: (node: string, line: string) => void;
}

export interface NatsClusterNode {
  /** `server_name`, also the peer name in stream info (`n1`, `n2`, …). */
  readonly name: string;
  readonly url: string;
  readonly wsUrl: string | null;
  readonly storeDir: string;
  readonly pid: number;
  readonly running: boolean;
}

export interface NatsCluster extends AsyncDisposable {
  /** Every node's client URL, comma-separated: what services take as `NATS_URL` to fail over. */
  readonly url: string;
  /** The first node's WebSocket listener (null without `websocket`). */
  readonly wsUrl: string | null;
  readonly seeds: NatsSeeds;
  readonly nodes: readonly NatsClusterNode[];
  /** `connect()` options to be `identity` (default the operator), on every node or only on node `only`. */
  connectOptions(identity?: NatsIdentity, only?: number): ConnectionOptions;
  /** Environment of a service process that connects as `identity` to the whole cluster. */
  serviceEnv(identity: NatsIdentity): Record<string, string>;
  /** Permission violations any node has logged, users named by identity. */
  violations(): string[];
  /** SIGKILL node `i`: its store stays, as after a power loss. */
  kill(i: number): Promise<void>;
  /** SIGTERM node `i` and wait for it to exit. */
  stopNode(i: number): Promise<void>;
  /** Starts node `i` again on its ports with its store (after kill or stopNode). */
  restart(i: number): Promise<void>;
  /** Resolves once JetStream answers (a meta leader is elected); throws after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  /** Stops every node (SIGTERM). */
  stop(): Promise<void>;
}

interface NodeState {
  name: string;
  port: number;
  clusterPort: number;
  wsPort: number | null;
  storeDir: string;
  conf: string;
  child: ChildProcess | null;
}

function nodeConfig(n: NodeState, all: readonly NodeState[], routePass: string): string {
  const [major, minor] = natsServerVersion();
  const sync = major > 2 || (major === 2 && minor >= 10) ? "  sync_interval: always\n" : "";
  const routes = all
    .filter((o) => o !== n)
    .map((o) => `    "nats-route://route:${routePass}@127.0.0.1:${o.clusterPort}"`)
    .join(",\n");
  return [
    `server_name: ${n.name}`,
    `listen: "127.0.0.1:${n.port}"`,
    `jetstream {\n  store_dir: "${n.storeDir}"\n  max_memory_store: 256MB\n  max_file_store: 4GB\n${sync}}`,
    n.wsPort === null ? "" : `websocket {\n  listen: "127.0.0.1:${n.wsPort}"\n  no_tls: true\n}`,
    // Loopback routes with a password; production adds route TLS (infra/nats/cluster/).
    "cluster {",
    "  name: gantry-local",
    `  listen: "127.0.0.1:${n.clusterPort}"`,
    `  authorization { user: route, password: "${routePass}", timeout: 2 }`,
    `  routes = [\n${routes}\n  ]`,
    "}",
    `include "accounts.conf"`,
  ].join("\n");
}

/**
 * Starts a JetStream cluster of real `nats-server`s (default three) on random loopback ports in a
 * temporary folder: routes among them with a route password, each node with its own store, the
 * same accounts and per-service nkeys as {@link startNatsServer}. Resolves once JetStream has a
 * meta leader. Dispose it with `await using`.
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const count = options.nodes ?? 3;
  const dir = await mkdtemp(join(tmpdir(), "gantry-nats-cluster-"));
  const storeRoot = options.storeRoot ?? join(dir, "js");
  const seeds = options.seeds ?? generateNatsSeeds();
  await writeFile(join(dir, "accounts.conf"), renderNatsAccountsForSeeds(seeds));
  const identityOf = new Map(NATS_IDENTITIES.map((id) => [publicKeyOf(seeds[id]), id]));
  const violations: string[] = [];
  const routePass = randomBytes(12).toString("hex");
  const nodes: NodeState[] = [];
  for (let i = 0; i < count; i++) {
    const name = `n${i + 1}`;
    nodes.push({
      name,
      port: await freePort(),
      clusterPort: await freePort(),
      wsPort: options.websocket ? await freePort() : null,
      storeDir: join(storeRoot, name),
      conf: join(dir, `${name}.conf`),
      child: null,
    });
  }
  for (const n of nodes) {
    await mkdir(n.storeDir, { recursive: true });
    await writeFile(n.conf, nodeConfig(n, nodes, routePass));
  }

  const launch = async (n: NodeState) => {
    const proc = spawn(natsServerBinary(), ["-c", n.conf], { stdio: ["ignore", "ignore", "pipe"] });
    n.child = proc;
    let stderr = "";
    let partial = "";
    let ready = false;
    proc.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
      const lines = (partial + d.toString()).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (line.includes("Server is ready")) ready = true;
        if (/(Publish|Subscription) Violation/.test(line))
          violations.push(`${n.name}: ${line.replace(/U[A-Z2-7]{55}/g, (key) => identityOf.get(key) ?? key)}`);
        options.onOutput?.(n.name, line);
      }
    });
    const deadline = Date.now() + 20_000;
    while (!ready) {
      if (proc.exitCode !== null) throw new Error(`nats-server ${n.name} exited: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`nats-server ${n.name} did not start in time: ${stderr}`);
      await sleep(20);
    }
  };
  const signal = async (n: NodeState, sig: NodeJS.Signals) => {
    const proc = n.child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill(sig);
    await exited;
  };
  const nodeAt = (i: number): NodeState => {
    const n = nodes[i];
    if (!n) throw new Error(`no node ${i} (the cluster has ${nodes.length})`);
    return n;
  };
  const urlOf = (n: NodeState) => `nats://127.0.0.1:${n.port}`;
  const url = nodes.map(urlOf).join(",");

  const cluster: NatsCluster = {
    url,
    get wsUrl() {
      const first = nodes[0];
      return first?.wsPort ? `ws://127.0.0.1:${first.wsPort}` : null;
    },
    seeds,
    get nodes() {
      return nodes.map((n) => ({
        name: n.name,
        url: urlOf(n),
        wsUrl: n.wsPort === null ? null : `ws://127.0.0.1:${n.wsPort}`,
        storeDir: n.storeDir,
        pid: n.child?.pid ?? -1,
        running: n.child !== null && n.child.exitCode === null && n.child.signalCode === null,
      }));
    },
    connectOptions: (identity = "operator", only) => ({
      servers: only === undefined ? nodes.map(urlOf) : [urlOf(nodeAt(only))],
      ...natsAuth(identity, seeds[identity]),
    }),
    serviceEnv: (identity) => ({ NATS_URL: url, NATS_NKEY_SEED: seeds[identity] }),
    violations: () => [...violations],
    kill: (i) => signal(nodeAt(i), "SIGKILL"),
    stopNode: (i) => signal(nodeAt(i), "SIGTERM"),
    restart: async (i) => {
      const n = nodeAt(i);
      await signal(n, "SIGTERM");
      await launch(n);
    },
    ready: async (timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      const nc = await connect({ ...cluster.connectOptions("operator"), maxReconnectAttempts: -1 });
      try {
        const jsm = await jetstreamManager(nc, { checkAPI: false });
        for (;;) {
          // Answered once the meta group has a leader ("JetStream system temporarily unavailable" before).
          const ok = await jsm.getAccountInfo().then(
            () => true,
            () => false,
          );
          if (ok) return;
          if (Date.now() > deadline)
            throw new Error(`the NATS cluster has no JetStream meta leader after ${timeoutMs} ms`);
          await sleep(250);
        }
      } finally {
        await nc.close();
      }
    },
    stop: async () => {
      await Promise.all(nodes.map((n) => signal(n, "SIGTERM")));
    },
    [Symbol.asyncDispose]: async () => {
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(nodes.map(launch));
    await cluster.ready();
  } catch (err) {
    await cluster[Symbol.asyncDispose]();
    throw err;
  }
  return cluster;
}
