import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentHeartbeat } from "@gantry/contracts/agents";
import type { WarmRequest } from "@gantry/contracts/jobs";
import { subjects } from "@gantry/contracts/subjects";
import { decode, encode } from "@gantry/platform/codec";
import { ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { REPO_ROOT } from "@gantry/testing/stack";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { commandRuntime, spawnAgent, versionOf } from "./harness.ts";

/** Running, and not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("an agent killed outright", () => {
  it("leaves no model server behind: the next agent of its id stops what it left", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const stateDir = mkdtempSync(join(tmpdir(), "gantry-agent-state-"));
    const launch = (): ChildProcess =>
      spawnAgent({
        ...nats.serviceEnv("agent"),
        GANTRY_AGENT_ID: "crashy",
        GANTRY_AGENT_STATE_DIR: stateDir,
        GANTRY_MODELS_DIR: REPO_ROOT,
        GANTRY_HEARTBEAT_MS: "200",
        GANTRY_AGENT_SLOTS: "1",
      });
    const heartbeat = async () => {
      const e = await buckets.agents.get("crashy");
      return e?.operation === "PUT" ? decode(AgentHeartbeat, e.value, "heartbeat") : null;
    };
    const first = launch();
    let second: ChildProcess | undefined;
    try {
      await until("the first agent", async () => (await heartbeat()) !== null);
      const warm: WarmRequest = {
        version_id: versionOf("crash"),
        runtime: commandRuntime("test"),
        concurrency: 1,
        count: 1,
        lease_ms: 60_000,
      };
      await nc.request(subjects.agentWarm("crashy"), encode(warm), { timeout: 10_000 });
      await until("a ready model server", async () => (await heartbeat())?.instances[0]?.state === "ready");
      const [server] = JSON.parse(readFileSync(join(stateDir, "agent-crashy.servers.json"), "utf8")) as {
        pid: number;
      }[];
      expect(server && alive(server.pid)).toBe(true);
      const firstStart = (await heartbeat())?.started_at;

      first.kill("SIGKILL");
      await new Promise((r) => setTimeout(r, 300));
      // Nothing stops it: this is the orphan the next agent must deal with.
      expect(alive(server!.pid)).toBe(true);

      second = launch();
      await until("the second agent", async () => {
        const hb = await heartbeat();
        return hb !== null && hb.started_at !== firstStart;
      });
      await until("the orphan to be stopped", () => !alive(server!.pid), 5000);
    } finally {
      first.kill("SIGKILL");
      second?.kill("SIGTERM");
      await nc.close();
    }
  }, 60_000);
});
