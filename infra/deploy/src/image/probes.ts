import { readFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { connect, nkeyAuthenticator } from "@nats-io/transport-node";
import { probeEnv } from "./env.ts";

/** Resolves when something accepts a TCP connection on the port of this host's loopback. */
export function probeTcp(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: "127.0.0.1", port, timeout: 3000 }, () => {
      socket.end();
      resolve();
    });
    socket.once("timeout", () => socket.destroy(new Error(`port ${port}: timeout`)));
    socket.once("error", reject);
  });
}

/** Resolves when `GET http://127.0.0.1:<port><path>` answers 2xx. */
export async function probeHttp(port: number, path: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
}

/**
 * Resolves when this container's NATS identity (its seed, CA and URL, as the service reads
 * them) connects and round-trips a PING: the network, TLS and credentials all work.
 */
export async function probeNats(): Promise<void> {
  const seed = probeEnv.seed ?? (probeEnv.seedFile ? readFileSync(probeEnv.seedFile, "utf8") : undefined);
  const nc = await connect({
    servers: probeEnv.natsUrl.split(",").map((u) => u.trim()),
    name: "probe",
    timeout: 5000,
    reconnect: false,
    ...(probeEnv.caFile ? { tls: { caFile: probeEnv.caFile } } : {}),
    ...(seed ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(seed.trim())) } : {}),
  });
  try {
    await nc.flush();
  } finally {
    await nc.close();
  }
}

/** What the container's main process is (`node /app/gantry.mjs <service>`, maybe under tini). */
export function runningService(): string | undefined {
  const argv = readFileSync("/proc/1/cmdline", "utf8").split("\0");
  const i = argv.findIndex((a) => a.endsWith("gantry.mjs"));
  return i >= 0 ? argv[i + 1] : undefined;
}

/** The image's HEALTHCHECK: the probe that fits the service this container runs. */
export function probeRunning(): Promise<void> {
  switch (runningService()) {
    case "gateway":
      return probeHttp(probeEnv.gatewayPort, "/health");
    case "admin":
      return probeHttp(probeEnv.adminPort, "/healthz");
    case "agent":
      // Its model servers' listener; on a random port (0) only NATS can be checked.
      return probeEnv.agentPort > 0 ? probeTcp(probeEnv.agentPort) : probeNats();
    case "scheduler":
    case "billing":
      return probeNats();
    default:
      return Promise.resolve();
  }
}
