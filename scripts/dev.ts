import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { randomToken } from "@gantry/platform/ids";
import { startNatsServer } from "@gantry/testing/nats-server";
import { REPO_ROOT, startStack } from "@gantry/testing/stack";

/**
 * The whole platform on this machine: a local nats-server (data under .data/, git-ignored),
 * every service, and the demo models. Ctrl-C stops everything.
 */
const storeDir = join(REPO_ROOT, ".data", "nats");
await mkdir(storeDir, { recursive: true });
const nats = await startNatsServer({ storeDir, websocket: true });
const token = process.env.GANTRY_DEV_TOKEN || randomToken();
const verbose = process.env.GANTRY_VERBOSE === "1";
const stack = await startStack({
  natsUrl: nats.url,
  devToken: token,
  gatewayPort: Number(process.env.GANTRY_PORT ?? 8787),
  // Local development: webhooks may target this machine (a receiver on localhost).
  env: {
    GANTRY_WEBHOOKS_ALLOW_PRIVATE: process.env.GANTRY_WEBHOOKS_ALLOW_PRIVATE ?? "1",
    GANTRY_ALLOW_VERSION_COMMANDS: process.env.GANTRY_ALLOW_VERSION_COMMANDS ?? "1",
  },
  onOutput: (svc, line) => {
    if (verbose || /"level":"(warn|error)"/.test(line) || !line.startsWith("{"))
      process.stderr.write(`[${svc}] ${line}\n`);
  },
});

process.stdout.write(
  [
    "",
    "Gantry is running.",
    `  API base URL   ${stack.baseUrl}/v1`,
    `  API token      ${token}${process.env.GANTRY_DEV_TOKEN ? "" : "   (generated; set GANTRY_DEV_TOKEN to choose one)"}`,
    `  NATS           ${nats.url}   (WebSocket ${nats.wsUrl})`,
    `  Demo models    ${Object.keys(stack.versions).join(", ")}`,
    "",
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
  await stack.stop();
  await nats.stop();
  process.exit(0);
};
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
