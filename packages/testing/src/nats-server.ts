import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
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
import type { ConnectionOptions } from "@nats-io/transport-node";

export interface NatsServerOptions {
  /** Extra configuration appended to the generated file (e.g. `include` of infra config). */
  extraConfig?: string;
  /** Ask for a websocket listener (the gateway under workerd reaches NATS through it). */
  websocket?: boolean;
  /** Reuse an existing store directory (restart semantics across servers). */
  storeDir?: string;
  /** The identities' nkey seeds (`npm start` keeps its own under `.data/`); fresh ones when unset. */
  seeds?: NatsSeeds;
}

export interface NatsServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly wsUrl: string | null;
  readonly storeDir: string;
  readonly pid: number;
  /** SIGTERM and wait: a polite stop, JetStream flushed. */
  stop(): Promise<void>;
  /** SIGKILL: what a power loss looks like to the server process. */
  kill(): Promise<void>;
  /** Starts again on the same ports with the same store. */
  restart(): Promise<void>;
  /** Every identity's nkey seed: anonymous clients are refused, on TCP and WebSocket. */
  readonly seeds: NatsSeeds;
  /** `connect()` options to be `identity` (default the operator: everything in the account). */
  connectOptions(identity?: NatsIdentity): ConnectionOptions;
  /** The same over the WebSocket listener (`wsconnect()`). */
  wsConnectOptions(identity?: NatsIdentity): ConnectionOptions;
  /** Environment of a service process that connects as `identity` (`NATS_URL`, `NATS_NKEY_SEED`). */
  serviceEnv(identity: NatsIdentity): Record<string, string>;
  /** Permission violations the server has logged, users named by identity. */
  violations(): string[];
}

interface Ports {
  nats: string[];
  websocket?: string[];
}

export function natsServerBinary(): string {
  const candidates = [process.env.NATS_SERVER_BIN, "/usr/sbin/nats-server", "/usr/bin/nats-server"];
  for (const c of candidates) if (c && existsSync(c)) return c;
  try {
    return execFileSync("sh", ["-c", "command -v nats-server"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("nats-server not found: install it (apt-get install nats-server) or set NATS_SERVER_BIN");
  }
}

/** Version as [major, minor, patch]; 2.10 adds `sync_interval`. */
export function natsServerVersion(bin = natsServerBinary()): [number, number, number] {
  const out = execFileSync(bin, ["--version"], { encoding: "utf8" });
  const m = /v(\d+)\.(\d+)\.(\d+)/.exec(out);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
}

function configText(dir: string, storeDir: string, port: string, wsPort: string | null, o: NatsServerOptions) {
  const [major, minor] = natsServerVersion();
  const sync = major > 2 || (major === 2 && minor >= 10) ? "  sync_interval: always\n" : "";
  return [
    `listen: "127.0.0.1:${port}"`,
    `ports_file_dir: "${dir}"`,
    `jetstream {\n  store_dir: "${storeDir}"\n  max_memory_store: 256MB\n  max_file_store: 4GB\n${sync}}`,
    wsPort === null ? "" : `websocket {\n  listen: "127.0.0.1:${wsPort}"\n  no_tls: true\n}`,
    // Relative to this file: the accounts, users and permissions (public keys only).
    `include "accounts.conf"`,
    o.extraConfig ?? "",
  ].join("\n");
}

/**
 * Starts a real `nats-server` with JetStream in a fresh temporary directory, on random loopback
 * ports (our take on nats.js's `nst`). Dispose it with `await using`.
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const dir = await mkdtemp(join(tmpdir(), "gantry-nats-"));
  const storeDir = options.storeDir ?? join(dir, "js");
  let port = "-1";
  let wsPort: string | null = options.websocket ? "-1" : null;
  let child: ChildProcess | undefined;
  let ports: Ports | undefined;
  const seeds = options.seeds ?? generateNatsSeeds();
  await writeFile(join(dir, "accounts.conf"), renderNatsAccountsForSeeds(seeds));
  const identityOf = new Map(NATS_IDENTITIES.map((id) => [publicKeyOf(seeds[id]), id]));
  const violations: string[] = [];

  const launch = async () => {
    const conf = join(dir, "server.conf");
    await writeFile(conf, configText(dir, storeDir, port, wsPort, options));
    for (const f of await readdir(dir)) if (f.endsWith(".ports")) await rm(join(dir, f));
    const proc = spawn(natsServerBinary(), ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
    child = proc;
    let stderr = "";
    let partial = "";
    proc.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
      const lines = (partial + d.toString()).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (/(Publish|Subscription) Violation/.test(line))
          violations.push(line.replace(/U[A-Z2-7]{55}/g, (key) => identityOf.get(key) ?? key));
      }
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`nats-server exited: ${stderr}`);
      const file = (await readdir(dir)).find((f) => f.endsWith(".ports"));
      // The server may not have finished writing the file yet: keep polling until it parses.
      const text = file ? await readFile(join(dir, file), "utf8").catch(() => "") : "";
      let parsed: Ports | null = null;
      try {
        parsed = text ? (JSON.parse(text) as Ports) : null;
      } catch {
        parsed = null;
      }
      if (parsed) {
        ports = parsed;
        if (ports.nats.length > 0 && (wsPort === null || (ports.websocket?.length ?? 0) > 0)) {
          port = new URL(ports.nats[0] ?? "").port;
          if (wsPort !== null) wsPort = new URL(ports.websocket?.[0] ?? "").port;
          return;
        }
      }
      await sleep(20);
    }
    throw new Error(`nats-server did not start in time: ${stderr}`);
  };

  const exited = (proc: ChildProcess | undefined) =>
    new Promise<void>((resolve) => {
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once("exit", () => resolve());
    });

  const signal = async (sig: NodeJS.Signals) => {
    const proc = child;
    proc?.kill(sig);
    await exited(proc);
  };

  await launch();
  const server: NatsServer = {
    get url() {
      return `nats://127.0.0.1:${port}`;
    },
    get port() {
      return Number(port);
    },
    get wsUrl() {
      return wsPort === null ? null : `ws://127.0.0.1:${wsPort}`;
    },
    get pid() {
      return child?.pid ?? -1;
    },
    storeDir,
    seeds,
    connectOptions: (identity = "operator") => ({ servers: server.url, ...natsAuth(identity, seeds[identity]) }),
    wsConnectOptions: (identity = "operator") => {
      if (!server.wsUrl) throw new Error("this server has no WebSocket listener (start it with websocket: true)");
      return { servers: server.wsUrl, ...natsAuth(identity, seeds[identity]) };
    },
    serviceEnv: (identity) => ({ NATS_URL: server.url, NATS_NKEY_SEED: seeds[identity] }),
    violations: () => [...violations],
    stop: () => signal("SIGTERM"),
    kill: () => signal("SIGKILL"),
    restart: async () => {
      await signal("SIGTERM");
      await launch();
    },
    [Symbol.asyncDispose]: async () => {
      await signal("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    },
  };
  return server;
}
