import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { natsServerBinary, natsServerVersion } from "@gantry/testing/nats-server";
import { REPO_ROOT } from "@gantry/testing/stack";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, errors } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import { natsAuth } from "../../src/nats-credentials.ts";
import { allStreams } from "../../src/nats-permissions.ts";
import { freePort } from "../../src/ports.ts";
import { openTopology } from "../../src/topology.ts";

/**
 * infra/nats/server.conf as an operator would run it: secrets from `npm run nats:secrets`, then
 * `npm run provision` as the provisioner, then a service opening the topology as itself.
 */
describe("the single-node configuration and the operator's commands", () => {
  let proc: ChildProcess | undefined;
  let dir = "";
  afterAll(async () => {
    proc?.kill("SIGKILL");
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("refuses anonymous clients; npm run provision creates the topology; services open it", async () => {
    dir = await mkdtemp(join(tmpdir(), "gantry-nats-conf-"));
    // Without `env` the script inherits this environment (openssl on the PATH); provision needs only its own.
    const tsx = (script: string, args: string[], env?: Record<string, string>) =>
      execFileSync(process.execPath, ["--import", "tsx", script, ...args], {
        cwd: REPO_ROOT,
        ...(env ? { env } : {}),
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
    tsx("scripts/nats-secrets.ts", ["--out", join(dir, "secrets"), "--days", "2"]);
    const port = await freePort();
    const [major, minor] = natsServerVersion();
    let conf = (await readFile(join(REPO_ROOT, "infra/nats/server.conf"), "utf8"))
      .replace("listen: 127.0.0.1:4222", `listen: 127.0.0.1:${port}`)
      .replace("http: 127.0.0.1:8222", "")
      .replace("listen: 127.0.0.1:8443", `listen: 127.0.0.1:${await freePort()}`)
      .replace('store_dir: "/var/lib/gantry/nats"', `store_dir: "${join(dir, "js")}"`);
    if (major === 2 && minor < 10) conf = conf.replace(/^\s*sync_interval: always\n/m, "");
    await writeFile(join(dir, "server.conf"), conf);
    expect(execFileSync(natsServerBinary(), ["-t", "-c", join(dir, "server.conf")], { encoding: "utf8" })).toBe("");

    proc = spawn(natsServerBinary(), ["-c", join(dir, "server.conf")], { stdio: "ignore" });
    const url = `nats://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const up = await connect({ servers: url, reconnect: false }).then(
        async (nc) => {
          await nc.close();
          return "open";
        },
        (e: unknown) => (e instanceof errors.AuthorizationError ? "refused" : "down"),
      );
      if (up === "refused") break;
      if (up === "open") throw new Error("an anonymous client was admitted");
      if (i > 100) throw new Error("nats-server did not start");
      await new Promise((r) => setTimeout(r, 50));
    }

    const seedFile = (id: string) => join(dir, "secrets", "seeds", `${id}.nk`);
    const out = tsx("scripts/provision.ts", [], { NATS_URL: url, NATS_NKEY_SEED_FILE: seedFile("provisioner") });
    expect(out).toContain("provision: topology ready");

    const operator = await connect({
      servers: url,
      ...natsAuth("operator", await readFile(seedFile("operator"), "utf8")),
    });
    const names: string[] = [];
    for await (const name of (await jetstreamManager(operator)).streams.names()) names.push(name);
    expect(names.sort()).toEqual(allStreams().sort());
    const scheduler = await connect({
      servers: url,
      ...natsAuth("scheduler", await readFile(seedFile("scheduler"), "utf8")),
    });
    const buckets = await openTopology(scheduler, { identity: "scheduler" });
    await buckets.leases.put("probe", "1");
    expect((await buckets.leases.get("probe"))?.string()).toBe("1");
    await scheduler.close();
    await operator.close();
  }, 60_000);
});
