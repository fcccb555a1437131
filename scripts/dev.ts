import { execFileSync, spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { randomToken } from "@gantry/platform/ids";
import { loadOrCreateNatsSeeds } from "@gantry/platform/nats-seeds-file";
import { conveniencesBanner, localConveniences } from "@gantry/testing/conveniences";
import { startNatsCluster } from "@gantry/testing/nats-cluster";
import { startNatsServer } from "@gantry/testing/nats-server";
import { REPO_ROOT, startStack } from "@gantry/testing/stack";

/**
 * The whole platform on this machine: a local nats-server (data under .data/, git-ignored),
 * every service, and the demo models. Ctrl-C stops everything.
 *
 * `GANTRY_CLUSTER=3`: a three-node JetStream cluster instead (every stream and bucket R3, data under
 * .data/nats-cluster/), and two gateways (GANTRY_PORT and the port after it), two schedulers, two
 * billing processes and two agents.
 */
const clusterNodes = Number(process.env.GANTRY_CLUSTER || 0);
if (!Number.isInteger(clusterNodes) || (clusterNodes !== 0 && clusterNodes < 3)) {
  throw new Error(`GANTRY_CLUSTER must be 3 or more nodes (R3 needs three), got ${process.env.GANTRY_CLUSTER}`);
}
const clustered = clusterNodes >= 3;
// Every service has its own NATS identity; their nkey seeds stay on this machine (mode 0600).
const natsSeedsFile = join(REPO_ROOT, ".data", "nats-credentials.json");
const seeds = await loadOrCreateNatsSeeds(natsSeedsFile);
const storeDir = join(REPO_ROOT, ".data", clustered ? "nats-cluster" : "nats");
await mkdir(storeDir, { recursive: true });
const cluster = clustered
  ? await startNatsCluster({ nodes: clusterNodes, storeRoot: storeDir, websocket: true, seeds })
  : null;
const nats = cluster ?? (await startNatsServer({ storeDir, websocket: true, seeds }));
const copies = clustered ? 2 : 1;
const token = process.env.GANTRY_DEV_TOKEN || randomToken();
const verbose = process.env.GANTRY_VERBOSE === "1";
const conveniences = localConveniences(process.env);
const stack = await startStack({
  nats,
  devToken: token,
  gatewayPort: Number(process.env.GANTRY_PORT ?? 8787),
  ...(clustered
    ? { replicas: 3, gateways: copies, schedulers: copies, billings: copies, agents: copies, startTimeoutMs: 300_000 }
    : {}),
  // Local conveniences (webhooks to this machine, …): on unless set to 0, and announced below.
  env: conveniences.env,
  onOutput: (svc, line) => {
    if (verbose || /"level":"(warn|error)"/.test(line) || !line.startsWith("{"))
      process.stderr.write(`[${svc}] ${line}\n`);
  },
});

// The admin console and the playground: built once, then served by their own process.
const adminToken = process.env.GANTRY_ADMIN_TOKEN || randomToken();
const adminPort = Number(process.env.GANTRY_ADMIN_PORT ?? 8790);
execFileSync("npm", ["run", "build", "--workspace", "@gantry/admin", "--silent"], {
  cwd: REPO_ROOT,
  stdio: ["ignore", "ignore", "inherit"],
});
const admin = spawn(process.execPath, ["--import", "tsx", "apps/admin/src/server/main.ts"], {
  cwd: REPO_ROOT,
  env: {
    ...process.env,
    ...nats.serviceEnv("admin"),
    GANTRY_NATS_REPLICAS: clustered ? "3" : "1",
    GANTRY_API_URL: stack.baseUrl,
    GANTRY_ADMIN_TOKEN: adminToken,
    GANTRY_ADMIN_PORT: String(adminPort),
  },
  stdio: ["ignore", "pipe", "pipe"],
});
admin.stderr?.on("data", (d: Buffer) => {
  for (const line of d.toString().split("\n")) {
    if (line && (verbose || /"level":"(warn|error)"/.test(line) || !line.startsWith("{"))) {
      process.stderr.write(`[admin] ${line}\n`);
    }
  }
});
const adminUrl = `http://127.0.0.1:${adminPort}`;
for (
  let i = 0;
  !(await fetch(`${adminUrl}/healthz`).then(
    (r) => r.ok,
    () => false,
  ));
  i++
) {
  if (admin.exitCode !== null || i > 300) throw new Error("the admin server did not start");
  await sleep(50);
}

const announced = conveniencesBanner(conveniences.on);
process.stdout.write(
  [
    "",
    "Gantry is running.",
    `  API base URL   ${stack.baseUrl}/v1   (gateway on ${process.env.GANTRY_GATEWAY_RUNTIME === "workerd" ? "workerd" : "Node"})`,
    `  API reference  ${stack.baseUrl}/docs`,
    `  API token      ${token}${process.env.GANTRY_DEV_TOKEN ? "" : "   (generated; set GANTRY_DEV_TOKEN to choose one)"}`,
    ...(cluster
      ? [
          ...stack.baseUrls.slice(1).map((url, i) => `  API (gateway-${i + 1}) ${url}/v1`),
          `  NATS cluster   ${cluster.nodes.length} nodes, every stream and bucket R3 (data in .data/nats-cluster/; anonymous refused, nkey seeds in .data/nats-credentials.json)`,
          ...cluster.nodes.map((n) => `    ${n.name}           ${n.url}   (WebSocket ${n.wsUrl}, pid ${n.pid})`),
          "  Processes",
          ...[...stack.processes].map(([name, p]) => `    ${name.padEnd(14)} pid ${p.pid}`),
        ]
      : [
          `  NATS           ${nats.url}   (WebSocket ${nats.wsUrl}; anonymous refused, nkey seeds in .data/nats-credentials.json)`,
        ]),
    `  Demo models    ${Object.keys(stack.versions).join(", ")}`,
    `  Admin console  ${adminUrl}/admin   (admin token ${adminToken}${process.env.GANTRY_ADMIN_TOKEN ? "" : ", generated"})`,
    `  Playground     ${adminUrl}/playground   (dashboard ${adminUrl}/dashboard; use the API token)`,
    "",
    ...(announced.length > 0 ? [...announced, ""] : []),
    "Try it:",
    `  curl -s -X POST ${stack.baseUrl}/v1/models/gantry/test/predictions \\`,
    `    -H "Authorization: Bearer ${token}" -H "Content-Type: application/json" -H "Prefer: wait" \\`,
    `    -d '{"input":{"tokens":5}}'`,
    "",
    "Ctrl-C stops everything.",
    "",
  ].join("\n"),
);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write("\nStopping…\n");
  admin.kill("SIGTERM");
  await stack.stop();
  await nats.stop();
  process.exit(0);
};
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
