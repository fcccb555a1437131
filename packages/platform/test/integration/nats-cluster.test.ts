import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { natsServerBinary, natsServerVersion } from "@gantry/testing/nats-server";
import { REPO_ROOT } from "@gantry/testing/stack";
import { type ConnectionOptions, connect, errors } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsAuth } from "../../src/nats-credentials.ts";
import type { NatsIdentity } from "../../src/nats-permissions.ts";
import { freePort } from "../../src/ports.ts";
import { ensureTopology, openTopology } from "../../src/topology.ts";

interface Node {
  name: string;
  client: number;
  route: number;
  ws: number;
  conf: string;
}

/**
 * infra/nats/cluster/node-{1,2,3}.conf as committed, with secrets from `npm run nats:secrets`,
 * rewritten to loopback ports and a temporary directory: three nodes that only admit each other.
 */
describe("the 3-node cluster configuration", () => {
  let dir: string;
  let nodes: Node[];
  const procs: ChildProcess[] = [];
  const logs = new Map<string, string>();
  const secrets = () => join(dir, "secrets");

  const start = (name: string, conf: string) => {
    const p = spawn(natsServerBinary(), ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
    logs.set(name, "");
    p.stderr?.on("data", (d: Buffer) => logs.set(name, (logs.get(name) ?? "") + d.toString()));
    procs.push(p);
    return p;
  };
  const waitLog = async (name: string, re: RegExp, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!re.test(logs.get(name) ?? "")) {
      if (Date.now() > deadline) throw new Error(`${name}: no ${re} in\n${logs.get(name)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const options = async (node: Node, identity: NatsIdentity): Promise<ConnectionOptions> => ({
    servers: `tls://127.0.0.1:${node.client}`,
    tls: { caFile: join(secrets(), "ca.pem") },
    reconnect: false,
    ...natsAuth(identity, await readFile(join(secrets(), "seeds", `${identity}.nk`), "utf8")),
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gantry-cluster-"));
    execFileSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/nats-secrets.ts",
        "--out",
        secrets(),
        "--hosts",
        "gantry-1,gantry-2,gantry-3",
        "--days",
        "2",
      ],
      { cwd: REPO_ROOT, stdio: "ignore" },
    );
    nodes = [];
    for (const n of [1, 2, 3]) {
      nodes.push({
        name: `gantry-${n}`,
        client: await freePort(),
        route: await freePort(),
        ws: await freePort(),
        conf: "",
      });
    }
    // The routes point at each node's loopback route port instead of its host name.
    let routes = await readFile(join(secrets(), "routes.conf"), "utf8");
    for (const node of nodes) routes = routes.replace(`@${node.name}:6222`, `@127.0.0.1:${node.route}`);
    await writeFile(join(secrets(), "routes.conf"), routes);
    const [major, minor] = natsServerVersion();
    for (const [i, node] of nodes.entries()) {
      let text = await readFile(join(REPO_ROOT, `infra/nats/cluster/node-${i + 1}.conf`), "utf8");
      text = text
        .replaceAll("/etc/gantry/nats/secrets/", `${secrets()}/`)
        .replace("listen: 0.0.0.0:4222", `listen: 127.0.0.1:${node.client}`)
        .replace("listen: 0.0.0.0:8443", `listen: 127.0.0.1:${node.ws}`)
        .replace("listen: 0.0.0.0:6222", `listen: 127.0.0.1:${node.route}`)
        .replace("http: 127.0.0.1:8222", "")
        .replace('store_dir: "/var/lib/gantry/nats"', `store_dir: "${join(dir, node.name)}"`);
      if (major === 2 && minor < 10) text = text.replace(/^\s*sync_interval: always\n/m, "");
      node.conf = join(dir, `${node.name}.conf`);
      await writeFile(node.conf, text);
    }
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) p.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("passes nats-server -t", () => {
    for (const node of nodes) {
      expect(execFileSync(natsServerBinary(), ["-t", "-c", node.conf], { encoding: "utf8", stdio: "pipe" })).toBe("");
    }
  });

  it("forms a cluster over TLS routes; R3 topology is provisioned and a write on one node is read on another", async () => {
    for (const node of nodes) start(node.name, node.conf);
    for (const node of nodes)
      await waitLog(
        node.name,
        /JetStream cluster new metadata leader|Self is new JetStream cluster metadata leader/,
        20_000,
      );
    const provisioner = await connect(await options(nodes[0] as Node, "provisioner"));
    await ensureTopology(provisioner, { replicas: 3, retentionMs: 60_000 });
    await provisioner.close();
    const gateway = await connect(await options(nodes[0] as Node, "gateway"));
    const admin = await connect(await options(nodes[2] as Node, "admin"));
    await (await openTopology(gateway, { identity: "gateway" })).predictions.put("p1", new TextEncoder().encode("{}"));
    const seen = await (await openTopology(admin, { identity: "admin" })).predictions.get("p1");
    expect(seen?.string()).toBe("{}");
    const info = await (await import("@nats-io/jetstream")).jetstreamManager(admin);
    expect((await info.streams.info("KV_predictions")).config.num_replicas).toBe(3);
    await gateway.close();
    await admin.close();
  }, 60_000);

  it("refuses anonymous and plaintext clients", async () => {
    const node = nodes[1] as Node;
    const { authenticator: _a, inboxPrefix: _i, ...anonymous } = await options(node, "operator");
    expect(await connect(anonymous).catch((e: unknown) => e)).toBeInstanceOf(errors.AuthorizationError);
    const plain = await connect({ servers: `nats://127.0.0.1:${node.client}`, reconnect: false, tls: null }).catch(
      (e: unknown) => e,
    );
    expect(plain).toBeInstanceOf(Error);
  });

  it("keeps out a node with the right certificate but a wrong route password", async () => {
    const conf = (await readFile((nodes[0] as Node).conf, "utf8"))
      .replace("server_name: gantry-1", "server_name: intruder")
      .replace(/listen: 127\.0\.0\.1:\d+\n/, `listen: 127.0.0.1:${await freePort()}\n`)
      .replace(/(websocket \{\n\s*listen: 127\.0\.0\.1:)\d+/, `$1${await freePort()}`)
      .replace(/(cluster \{\n\s*name: gantry\n\s*listen: 127\.0\.0\.1:)\d+/, `$1${await freePort()}`)
      .replace(/store_dir: "[^"]+"/, `store_dir: "${join(dir, "intruder")}"`)
      .replace('include "secrets/routes.conf"', 'include "intruder-routes.conf"');
    const routes = (await readFile(join(secrets(), "routes.conf"), "utf8")).replace(
      /password: "[^"]+"/,
      'password: "guess"',
    );
    await writeFile(join(dir, "intruder-routes.conf"), routes.replace(/\/\/route:[^@]+@/g, "//route:guess@"));
    await writeFile(join(dir, "intruder.conf"), conf);
    start("intruder", join(dir, "intruder.conf"));
    await waitLog("intruder", /Authorization Violation/, 15_000);
    expect(logs.get("intruder")).not.toMatch(/metadata leader/);
  }, 30_000);

  it("keeps out a node with the route password but a certificate from another CA", async () => {
    const other = join(dir, "other");
    execFileSync("mkdir", ["-p", other]);
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=gantry-1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(other, "key.pem"),
        "-out",
        join(other, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    const conf = (await readFile(join(dir, "intruder.conf"), "utf8"))
      .replace("server_name: intruder", "server_name: stranger")
      .replace(/listen: 127\.0\.0\.1:\d+\n/, `listen: 127.0.0.1:${await freePort()}\n`)
      .replace(/(websocket \{\n\s*listen: 127\.0\.0\.1:)\d+/, `$1${await freePort()}`)
      .replace(/(cluster \{\n\s*name: gantry\n\s*listen: 127\.0\.0\.1:)\d+/, `$1${await freePort()}`)
      .replace(/store_dir: "[^"]+"/, `store_dir: "${join(dir, "stranger")}"`)
      .replace('include "intruder-routes.conf"', 'include "secrets/routes.conf"')
      .replaceAll(join(secrets(), "gantry-1.pem"), join(other, "cert.pem"))
      .replaceAll(join(secrets(), "gantry-1.key"), join(other, "key.pem"))
      .replaceAll(join(secrets(), "ca.pem"), join(other, "cert.pem"));
    await writeFile(join(dir, "stranger.conf"), conf);
    start("stranger", join(dir, "stranger.conf"));
    // Each side refuses the other's certificate: the route never forms.
    await waitLog("stranger", /TLS route handshake error: x509: certificate signed by unknown authority/, 15_000);
    expect(logs.get("stranger")).not.toMatch(/metadata leader/);
  }, 30_000);
});
