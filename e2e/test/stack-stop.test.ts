import { readdirSync, readFileSync } from "node:fs";
import { startNatsServer } from "@gantry/testing/nats-server";
import { startStack } from "@gantry/testing/stack";
import { describe, expect, it } from "vitest";

/** Every process below `root` (read from /proc: each process's parent is field 4 of its stat). */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // it ended meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parentOf) {
      if (parent !== pid) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A stack with a prediction of 2 minutes running, and the model servers below its agents. */
async function stackWithARun() {
  const nats = await startNatsServer({ websocket: true });
  const token = "r8_e2e_stack_stop";
  const stack = await startStack({ nats, devToken: token });
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${stack.baseUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    });
  const created = (await (
    await api("/v1/models/gantry/test/predictions", {
      method: "POST",
      body: JSON.stringify({ input: { tokens: 1, sleep_ms: 120_000 } }),
    })
  ).json()) as { id: string };
  for (let i = 0; i < 200; i++) {
    const p = (await (await api(`/v1/predictions/${created.id}`)).json()) as { status: string };
    if (p.status === "processing") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const agents = [...stack.processes].filter(([name]) => name.startsWith("agent")).map(([, p]) => p.pid ?? 0);
  expect(agents.length).toBeGreaterThan(0);
  expect(agents.every((pid) => pid > 1)).toBe(true);
  const servers = agents.flatMap(descendants);
  expect(servers.length).toBeGreaterThan(0);
  return {
    stack,
    servers,
    [Symbol.asyncDispose]: async () => {
      await stack.stop();
      await nats[Symbol.asyncDispose]();
    },
  };
}

const gone = async (pids: number[]) => {
  for (let i = 0; i < 50 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  return pids.filter(alive);
};

describe("stopping the stack while a prediction runs", () => {
  // The drain on SIGTERM waits for the runs an agent holds; a stopped stack must still leave no model
  // server behind (each one would hold a port and memory until the machine goes away).
  it("leaves no model server running", async () => {
    await using run = await stackWithARun();
    await run.stack.stop();
    expect(await gone(run.servers)).toEqual([]);
  }, 90_000);

  // A fault test kills an agent with -9: its servers outlive it (as they would in production, where the
  // next agent of its id stops them); the stack stops them when it stops, from the agent's ledger.
  it("stops the model servers of an agent killed with -9", async () => {
    await using run = await stackWithARun();
    await run.stack.kill("agent-0");
    expect(run.servers.filter(alive)).toEqual(run.servers);
    await run.stack.stop();
    expect(await gone(run.servers)).toEqual([]);
  }, 90_000);
});
