#!/usr/bin/env node
// `npm start`: installs what is missing, then runs the whole platform (scripts/dev.ts).
// Plain JavaScript with no dependencies, so it runs on a fresh clone before `npm ci`.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

if (!existsSync(`${root}/node_modules/.bin/tsx`)) {
  console.log("gantry: installing dependencies (npm ci)…");
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
}

if (!process.env.NATS_SERVER_BIN && !has("nats-server") && !existsSync("/usr/sbin/nats-server")) {
  const root_ = process.getuid?.() === 0;
  if (has("apt-get")) {
    console.log("gantry: nats-server not found; installing it with apt-get…");
    const sudo = root_ ? [] : has("sudo") ? ["sudo"] : null;
    if (sudo) {
      const run = (args) => spawnSync(sudo[0] ?? args[0], sudo.length ? args : args.slice(1), { stdio: "inherit" });
      run(["apt-get", "update", "-q"]);
      run(["apt-get", "install", "-y", "-q", "nats-server"]);
    }
  }
  if (!has("nats-server") && !existsSync("/usr/sbin/nats-server")) {
    console.error(
      "gantry: nats-server is not installed and could not be installed.\n" +
        "Install it (Debian/Ubuntu: apt-get install nats-server; others: https://docs.nats.io) " +
        "or set NATS_SERVER_BIN to its path, then run npm start again.",
    );
    process.exit(1);
  }
}

const child = spawn(process.execPath, ["--import", "tsx", "scripts/dev.ts"], { cwd: root, stdio: "inherit" });
const forward = (sig) => () => child.kill(sig);
process.on("SIGINT", forward("SIGINT"));
process.on("SIGTERM", forward("SIGTERM"));
child.on("exit", (code) => process.exit(code ?? 0));
