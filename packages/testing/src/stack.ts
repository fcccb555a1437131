import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { DEMO_MODELS } from "@gantry/demo-models/catalog";
import { listKeys } from "@gantry/platform/kv-keys";
import { silentLogger } from "@gantry/platform/logger";
import { freePort } from "@gantry/platform/ports";
import { Registry } from "@gantry/platform/registry";
import { type SeedModel, seed } from "@gantry/platform/seed";
import { ServerLedger } from "@gantry/platform/server-ledger";
import { DEFAULT_TOPOLOGY, ensureTopology, openTopology } from "@gantry/platform/topology";
import { connect } from "@nats-io/transport-node";
import type { NatsServer } from "./nats-server.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The NATS server the stack runs on: its URLs and each identity's credentials. */
export type StackNats = Pick<NatsServer, "url" | "wsUrl" | "seeds" | "connectOptions" | "serviceEnv">;

export interface StackOptions {
  /** Each service process gets its own identity's credentials only; provisioning and seeding use theirs. */
  nats: StackNats;
  devToken: string;
  devUsername?: string;
  /** Gateway port; a free one when unset. Further gateways listen on the ports after it. */
  gatewayPort?: number;
  agents?: number;
  /** Copies of the gateway, the scheduler and billing (default 1 each). With more than one, each
   * copy is named `<service>-<i>` (`gateway-0`, `scheduler-1`, …); with one, just `<service>`. */
  gateways?: number;
  schedulers?: number;
  billings?: number;
  /** Replicas of every stream and bucket: 3 on a three-node cluster (default 1). */
  replicas?: number;
  /** How long every process gets to come up (default 30 s per copy of the most copied service). */
  startTimeoutMs?: number;
  agentSku?: string;
  /** Data-retention window for every service (default: the platform's, one hour). */
  retentionMs?: number;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** Which runtime serves the gateway: Node (default, or `GANTRY_GATEWAY_RUNTIME`) or workerd via `wrangler dev`. */
  gatewayRuntime?: "node" | "workerd";
  /** The workerd gateway's `NATS_WS_URL` (default: the nats-server's WebSocket listener). */
  workerdNatsWsUrl?: string;
  /** Extra Node flags for every service (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** Where service output goes (default: dropped). */
  onOutput?: (service: string, line: string) => void;
}

export interface Stack extends AsyncDisposable {
  /** The first gateway's origin (the public URL every gateway puts in its answers). */
  baseUrl: string;
  /** Every gateway's origin, in order (`gateway-0`, `gateway-1`, …). */
  baseUrls: string[];
  token: string;
  versions: Record<string, string>;
  processes: Map<string, ChildProcess>;
  /** SIGKILL one service (e.g. "scheduler", "agent-0", "gateway-1"). */
  kill(name: string): Promise<void>;
  /** SIGTERM one service and wait for it to exit: its own graceful stop, as in a rolling restart. */
  terminate(name: string): Promise<void>;
  /** Starts a killed service again, as it was first started. */
  restart(name: string): void;
  stop(): Promise<void>;
}

/** Collections of the demo models, as `npm start` and the tests seed them. */
export const DEMO_COLLECTIONS = [
  {
    slug: "text-generation",
    name: "Text generation",
    description: "Models that write text, token by token.",
    full_description: "Language models whose output streams as it is generated: try `replicate.stream()`.",
    models: ["gantry/text-stream", "gantry/test"],
  },
  {
    slug: "image-generation",
    name: "Image generation",
    description: "Models that return images as files.",
    full_description: null,
    models: ["gantry/image"],
  },
];

/** The demo models as seed entries: how the agent starts each and what it serves. */
export function demoSeedModels(): SeedModel[] {
  return DEMO_MODELS.map((m) => ({
    owner: m.owner,
    name: m.name,
    description: m.description,
    hardware: m.hardware,
    openapi: m.predictor.openapi,
    runtime: { kind: "command", argv: m.argv },
    concurrency: 64,
  }));
}

/**
 * Starts the whole platform as separate processes against a NATS server: scheduler, billing, `agents` GPU agents and the gateway (Node runtime), and seeds the dev account
 * and the demo models. Used by `npm start`, the end-to-end tests and the benchmarks.
 */
export async function startStack(o: StackOptions): Promise<Stack> {
  const topology = {
    ...DEFAULT_TOPOLOGY,
    ...(o.retentionMs ? { retentionMs: o.retentionMs } : {}),
    ...(o.replicas ? { replicas: o.replicas } : {}),
  };
  const provisioner = await connect(o.nats.connectOptions("provisioner"));
  await ensureTopology(provisioner, topology);
  await provisioner.close();
  const nc = await connect(o.nats.connectOptions("operator"));
  const buckets = await openTopology(nc, { identity: "operator" });
  const { versions } = await seed(new Registry(buckets), {
    devToken: o.devToken,
    devUsername: o.devUsername ?? "dev",
    // GANTRY_ALLOW_VERSION_COMMANDS=1: the dev account may create versions (command, image, URL).
    devPrivileges: ["1", "true"].includes(o.env?.GANTRY_ALLOW_VERSION_COMMANDS ?? "") ? ["runtimes"] : [],
    models: demoSeedModels(),
    collections: DEMO_COLLECTIONS,
    now: new Date(),
  });
  const gatewayCount = o.gateways ?? 1;
  const gatewayPorts: number[] = [];
  for (let i = 0; i < gatewayCount; i++)
    gatewayPorts.push(o.gatewayPort === undefined ? await freePort() : o.gatewayPort + i);
  const copyName = (service: string, count: number, i: number) => (count > 1 ? `${service}-${i}` : service);
  // No NATS credentials pass through from this process: each service is given its own below.
  const { NATS_NKEY_SEED: _seed, NATS_NKEY_SEED_FILE: _seedFile, ...inherited } = process.env;
  const baseEnv = {
    ...inherited,
    GANTRY_RETENTION_MS: String(topology.retentionMs),
    GANTRY_NATS_REPLICAS: String(topology.replicas),
    ...o.env,
  };
  const processes = new Map<string, ChildProcess>();
  // Each service's last lines of output, for the error when one exits during start-up.
  const recent = new Map<string, string[]>();
  const launches = new Map<string, () => void>();
  const launchArgv = (name: string, argv: string[], env: Record<string, string>, group = false) => {
    launches.set(name, () => launchArgv(name, argv, env, group));
    const [cmd = "", ...args] = argv;
    const proc = spawn(cmd, args, {
      cwd: REPO_ROOT,
      env: { ...baseEnv, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      // wrangler runs workerd as children: a process group lets stop() reach them all.
      detached: group,
    });
    const lines: string[] = [];
    recent.set(name, lines);
    const forward = (d: Buffer) => {
      for (const line of d.toString().split("\n")) {
        if (!line) continue;
        lines.push(line);
        if (lines.length > 20) lines.shift();
        o.onOutput?.(name, line);
      }
    };
    proc.stdout?.on("data", forward);
    proc.stderr?.on("data", forward);
    processes.set(name, proc);
    if (group) groups.add(name);
  };
  const launch = (name: string, entry: string, env: Record<string, string>) =>
    launchArgv(name, [process.execPath, ...(o.nodeArgs ?? []), "--import", "tsx", entry], env);
  const groups = new Set<string>();
  const baseUrls = gatewayPorts.map((port) => `http://127.0.0.1:${port}`);
  const baseUrl = baseUrls[0] ?? "";
  const schedulerCount = o.schedulers ?? 1;
  for (let i = 0; i < schedulerCount; i++) {
    launch(copyName("scheduler", schedulerCount, i), "apps/scheduler/src/main.ts", {
      GANTRY_PUBLIC_URL: baseUrl,
      ...o.nats.serviceEnv("scheduler"),
    });
  }
  const billingCount = o.billings ?? 1;
  for (let i = 0; i < billingCount; i++) {
    launch(copyName("billing", billingCount, i), "apps/billing/src/main.ts", o.nats.serviceEnv("billing"));
  }
  const agentCount = o.agents ?? 1;
  // Each stack's agents record their model servers in a folder of its own: stacks side by side
  // (tests, benchmarks, npm start) never stop each other's servers as leftovers of a crash.
  const agentStateRoot = await mkdtemp(join(tmpdir(), "gantry-agent-state-"));
  const agentStateDir = (i: number) => o.env?.GANTRY_AGENT_STATE_DIR ?? join(agentStateRoot, `agent-${i}`);
  for (let i = 0; i < agentCount; i++) {
    launch(`agent-${i}`, "apps/gpu-agent/src/main.ts", {
      GANTRY_AGENT_STATE_DIR: agentStateDir(i),
      GANTRY_AGENT_ID: `agent-${i}`,
      GANTRY_AGENT_SKU: o.agentSku ?? "cpu",
      GANTRY_PUBLIC_URL: baseUrl,
      ...o.nats.serviceEnv("agent"),
    });
  }
  const runtime = o.gatewayRuntime ?? (process.env.GANTRY_GATEWAY_RUNTIME === "workerd" ? "workerd" : "node");
  for (const [i, gatewayPort] of gatewayPorts.entries()) {
    const name = copyName("gateway", gatewayCount, i);
    if (runtime === "workerd") {
      if (!o.nats.wsUrl) throw new Error("the workerd gateway needs the nats-server's WebSocket listener");
      const persist = await mkdtemp(join(tmpdir(), "gantry-wrangler-"));
      // The seed is a secret in production (`wrangler secret put`); `--var` is how wrangler dev takes it.
      const vars = {
        GANTRY_RETENTION_MS: String(topology.retentionMs),
        GANTRY_NATS_REPLICAS: String(topology.replicas),
        GANTRY_PUBLIC_URL: baseUrl,
        ...o.env,
        NATS_WS_URL: o.workerdNatsWsUrl ?? o.nats.wsUrl,
        NATS_NKEY_SEED: o.nats.seeds.gateway,
      };
      launchArgv(
        name,
        [
          join(REPO_ROOT, "node_modules", ".bin", "wrangler"),
          "dev",
          "--config",
          "apps/gateway/wrangler.jsonc",
          "--ip",
          "127.0.0.1",
          "--port",
          String(gatewayPort),
          "--persist-to",
          persist,
          "--inspector-port",
          String(await freePort()),
          ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
        ],
        { CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", CI: "true" },
        true,
      );
    } else {
      launch(name, "apps/gateway/src/node.ts", {
        GANTRY_PORT: String(gatewayPort),
        // Its own file URLs in inputs are recognised by this origin only, never by a Host header.
        GANTRY_PUBLIC_URL: o.env?.GANTRY_PUBLIC_URL ?? baseUrl,
        ...o.nats.serviceEnv("gateway"),
      });
    }
  }

  const exited = (p: ChildProcess) =>
    p.exitCode !== null || p.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => p.once("exit", () => r()));
  const signal = (name: string, p: ChildProcess, sig: NodeJS.Signals) => {
    if (groups.has(name) && p.pid) {
      try {
        process.kill(-p.pid, sig);
        return;
      } catch {
        // the group is gone already
      }
    }
    p.kill(sig);
  };
  const running = (p: ChildProcess) => p.exitCode === null && p.signalCode === null;
  const stop = async () => {
    const all = [...processes.values()];
    for (const [name, p] of processes) signal(name, p, "SIGTERM");
    await Promise.race([Promise.all(all.map(exited)), sleep(5000)]);
    // An agent still up is draining a run it holds: a second signal cuts the drain short and it stops
    // its model servers (a SIGKILL would leave them running, orphaned).
    const left = [...processes].filter(([, p]) => running(p));
    for (const [name, p] of left) signal(name, p, "SIGTERM");
    if (left.length > 0) await Promise.race([Promise.all(left.map(([, p]) => exited(p))), sleep(5000)]);
    const killed = [...processes].filter(([, p]) => running(p));
    for (const [name, p] of killed) signal(name, p, "SIGKILL");
    if (killed.length > 0) await Promise.race([Promise.all(killed.map(([, p]) => exited(p))), sleep(2000)]);
    // An agent killed with -9 (a fault test) left its model servers running: the next agent of its id
    // would stop them (its ledger); with none to come, the stack stops them, as that agent would.
    for (let i = 0; i < agentCount; i++) {
      const agent = processes.get(`agent-${i}`);
      if (agent && running(agent)) continue;
      new ServerLedger(join(agentStateDir(i), `agent-agent-${i}.servers.json`)).reapLeftovers(silentLogger);
    }
  };
  // Two of each on a 2-core machine take longer to load than one.
  const startMs = o.startTimeoutMs ?? 30_000 * Math.max(1, gatewayCount, schedulerCount, billingCount);
  const startDeadline = Date.now() + startMs;
  const notStarted = async (err: unknown): Promise<never> => {
    await nc.close();
    await stop();
    throw err;
  };
  for (;;) {
    let up = true;
    for (const url of baseUrls) {
      up &&= await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      );
    }
    let agents = 0;
    for (const key of await listKeys(buckets.agents)) {
      if ((await buckets.agents.get(key))?.operation === "PUT") agents++;
    }
    if (up && agents >= agentCount) break;
    for (const [name, p] of processes) {
      if (p.exitCode !== null) {
        await sleep(200); // its last output may still be in the pipe
        const said = (recent.get(name) ?? []).join("\n");
        return notStarted(
          new Error(
            `${name} exited with code ${p.exitCode} during start-up${said ? `; its last lines:\n${said}` : ""}`,
          ),
        );
      }
    }
    if (Date.now() > startDeadline) {
      const state = `gateways up: ${up}, agents registered: ${agents} of ${agentCount}`;
      return notStarted(new Error(`the platform did not start within ${startMs / 1000} s (${state})`));
    }
    await sleep(50);
  }
  await nc.close();

  return {
    baseUrl,
    baseUrls,
    token: o.devToken,
    versions,
    processes,
    async kill(name) {
      const p = processes.get(name);
      if (!p) return;
      signal(name, p, "SIGKILL");
      await exited(p);
    },
    async terminate(name) {
      const p = processes.get(name);
      if (!p) throw new Error(`no service ${name} (there are ${[...processes.keys()].join(", ")})`);
      signal(name, p, "SIGTERM");
      await exited(p);
    },
    restart(name) {
      launches.get(name)?.();
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
