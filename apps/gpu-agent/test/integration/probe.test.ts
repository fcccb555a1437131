import { execFileSync } from "node:child_process";
import { ProbeReply, type ProbeRequest } from "@gantry/contracts/jobs";
import { subjects } from "@gantry/contracts/subjects";
import { createCogFixture } from "@gantry/demo-models/cog-fixture";
import { decode, encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { freeBadPort } from "@gantry/testing/bad-port";
import { startNatsServer } from "@gantry/testing/nats-server";
import { REPO_ROOT } from "@gantry/testing/stack";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { startProbeResponder } from "../../src/probe.ts";
import { fixtureRuntime } from "./harness.ts";

/** The probe's wait for a schema here: far shorter than the setups below. */
const PROBE_TIMEOUT_MS = 3000;

/** An agent's probe responder and a gateway asking it, over a real nats-server with real identities. */
async function probeOver(req: ProbeRequest): Promise<ProbeReply> {
  await using nats = await startNatsServer();
  const agentNc = await connect(nats.connectOptions("agent"));
  const gatewayNc = await connect(nats.connectOptions("gateway"));
  const sub = startProbeResponder({
    nc: agentNc,
    log: silentLogger,
    now: () => new Date(),
    cwd: REPO_ROOT,
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  // The subscription is on the server before the gateway asks.
  await agentNc.flush();
  try {
    const res = await gatewayNc.request(subjects.agentProbe(), encode(req), { timeout: 30_000 });
    return decode(ProbeReply, res.data, "probe reply");
  } finally {
    sub.unsubscribe();
    await agentNc.close();
    await gatewayNc.close();
    expect(nats.violations()).toEqual([]);
  }
}

/** Command lines of this process's children that contain `marker`. */
const children = (marker: string) =>
  execFileSync("ps", ["-o", "args=", "--ppid", String(process.pid)], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(marker));

describe("agents.v1.probe", () => {
  it("reads the schema while the server is still STARTING (setup 10 min, probe wait 3 s), then stops it", async () => {
    const reply = await probeOver({ runtime: fixtureRuntime("python", "--setup-ms", "600000") });
    if (!reply.ok) throw new Error(`probe failed: ${reply.error}`);
    expect(reply.openapi).toMatchObject({ components: { schemas: { Input: { required: ["prompt"] } } } });
    expect(reply.cog_version).toBe("dev");
    // The probe waited for no READY (it could not have come within its 3 s), and left nothing running.
    expect(children("--setup-ms 600000")).toEqual([]);
  });

  it("a server that never serves its schema fails the probe after its wait, saying what it last saw", async () => {
    const silent = { kind: "command" as const, argv: ["node", "-e", "setInterval(() => {}, 1000)"] };
    const reply = await probeOver({ runtime: silent });
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error).toMatch(/^The model server did not serve \/openapi\.json within 3 s \(last: .*ECONNREFUSED/);
    expect(children("setInterval(() => {}, 1000)")).toEqual([]);
  });

  it("a server that exits before serving its schema fails the probe with its output", async () => {
    const crash = { kind: "command" as const, argv: ["node", "-e", "console.error('no weights'); process.exit(3)"] };
    const reply = await probeOver({ runtime: crash });
    expect(reply).toEqual({
      ok: false,
      error: expect.stringMatching(/^The model server exited during setup \(code 3\)\. Its output:\nno weights/),
    });
  });

  it("reads a url server on a port Node's fetch refuses (the gateway asks an agent for those)", async () => {
    const port = await freeBadPort();
    const server = createCogFixture({ mode: "coglet", setupMs: 600_000 });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    try {
      const reply = await probeOver({ runtime: { kind: "url", url: `http://127.0.0.1:${port}` } });
      if (!reply.ok) throw new Error(`probe failed: ${reply.error}`);
      expect(reply.openapi).toMatchObject({ components: { schemas: { Input: { required: ["prompt"] } } } });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
