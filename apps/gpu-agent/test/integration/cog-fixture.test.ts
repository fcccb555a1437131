import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CancelReply } from "@gantry/contracts/jobs";
import { subjects } from "@gantry/contracts/subjects";
import { createCogFixture } from "@gantry/demo-models/cog-fixture";
import { decode, encode } from "@gantry/platform/codec";
import { describe, expect, it } from "vitest";
import { fixtureRuntime, type Harness, startAgent } from "./harness.ts";

/**
 * The agent against a Cog server the repo did not write the protocol side of: the fixture replays
 * the reference's captured Python v0.16.12 shapes, or coglet's (cog-http-protocol.md §8).
 */

const tokens = (n: number) => Array.from({ length: n }, (_, i) => `tok${i} `);

async function outputEvents(t: Harness, id: string): Promise<unknown[]> {
  return (await t.events(id)).flatMap((e) => (e.type === "output" ? [e.data] : []));
}

/** A coglet-mode fixture already running, as `docker run -p` would leave one: a `url` runtime. */
async function cogletServer(options: { concurrency?: number; failSetup?: boolean; setupMs?: number } = {}) {
  const server: Server = createCogFixture({ mode: "coglet", setupMs: 200, ...options });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    runtime: { kind: "url" as const, url },
    close: () =>
      new Promise((r) => {
        server.close(r);
        server.closeAllConnections();
      }),
  };
}

describe("the agent drives the Python (v0.16.12) shapes", () => {
  it("to succeeded with the tokens streamed in order, and handles the 409 of a busy server", async () => {
    const t = await startAgent();
    try {
      // One real slot while the agent believes in two: the second create is answered 409. Both are
      // placed during the (long) setup, so the agent keeps the second and retries it.
      const runtime = fixtureRuntime("python", "--setup-ms", "1500");
      if (runtime.kind !== "command") throw new Error("unreachable");
      const o = {
        model: "cog-fixture",
        runtime: { ...runtime, argv: ["env", "COG_MAX_CONCURRENCY=1", ...runtime.argv] },
        concurrency: 2,
      };
      const a = await t.run({ prompt: "hello", n_tokens: 4, delay: 0.05 }, o);
      const b = await t.run({ prompt: "again", n_tokens: 3, delay: 0.01 }, o);
      expect(a.reply).toEqual({ accepted: true, cold_boot: true, incarnation: expect.any(String) });
      const [ra, rb] = await Promise.all([t.finished(a.id), t.finished(b.id)]);
      expect(ra).toMatchObject({
        status: "succeeded",
        output: tokens(4),
        logs: "predict: prompt='hello'\npredict: finished\n",
      });
      expect(rb).toMatchObject({ status: "succeeded", output: tokens(3) });
      expect((await outputEvents(t, a.id)).join("")).toBe("tok0 tok1 tok2 tok3 ");
      expect(await outputEvents(t, b.id)).toEqual(tokens(3));
    } finally {
      await t.close();
    }
  });

  it("a model error: failed with its message, the partial output kept", async () => {
    const t = await startAgent();
    try {
      const { id } = await t.run(
        { prompt: "x", n_tokens: 5, delay: 0.01, fail: true },
        { model: "cog-fixture", runtime: fixtureRuntime("python") },
      );
      const rec = await t.finished(id);
      expect(rec).toMatchObject({ status: "failed", error: "boom: requested failure", output: tokens(2) });
      expect(rec.logs).toContain("ValueError: boom: requested failure");
    } finally {
      await t.close();
    }
  });

  it("a setup failure (the Python server exits): failed with the traceback from setup", async () => {
    const t = await startAgent();
    try {
      const { id } = await t.run(
        { prompt: "x" },
        { model: "cog-fixture", runtime: fixtureRuntime("python", "--fail-setup") },
      );
      const rec = await t.finished(id);
      expect(rec.status).toBe("failed");
      expect(rec.error).toMatch(/^(Model setup failed \(SETUP_FAILED\)|The model server exited during setup)/);
      expect(rec.error).toContain("RuntimeError: setup: weights missing");
    } finally {
      await t.close();
    }
  });
});

describe("the agent drives the coglet shapes (a url runtime)", () => {
  it("to succeeded with the right tokens, through coglet's 409 at capacity", async () => {
    // A long setup: both are placed while the server boots, so the agent keeps both and retries
    // the 409 (a warm placement that meets a 409 is handed back instead: coglet-capacity.test.ts).
    const server = await cogletServer({ concurrency: 1, setupMs: 1500 });
    const t = await startAgent();
    try {
      const o = { model: "cog-fixture", version: "coglet", runtime: server.runtime, concurrency: 2 };
      const a = await t.run({ prompt: "hello", n_tokens: 5, delay: 0.05 }, o);
      const b = await t.run({ prompt: "again", n_tokens: 2, delay: 0.01 }, o);
      const [ra, rb] = await Promise.all([t.finished(a.id), t.finished(b.id)]);
      expect(ra).toMatchObject({ status: "succeeded", output: tokens(5) });
      expect(rb).toMatchObject({ status: "succeeded", output: tokens(2) });
      expect((await outputEvents(t, a.id)).join("")).toBe("tok0 tok1 tok2 tok3 tok4 ");
      // coglet's snapshots carry no timestamps: the agent's own are stored.
      expect(Date.parse(ra.started_at ?? "")).toBeLessThan(Date.parse(ra.completed_at ?? ""));
    } finally {
      await t.close();
      await server.close();
    }
  });

  it("cancel reaches it and the prediction ends canceled", async () => {
    const server = await cogletServer();
    const t = await startAgent();
    try {
      const { id } = await t.run(
        { prompt: "long", n_tokens: 500, delay: 0.02 },
        { model: "cog-fixture", version: "coglet", runtime: server.runtime },
      );
      await t.processing(id);
      await new Promise((r) => setTimeout(r, 150));
      const res = await t.nc.request(subjects.agentCancel(t.agentId), encode({ prediction_id: id }), { timeout: 5000 });
      expect(decode(CancelReply, res.data, "cancel reply")).toEqual({ found: true });
      const rec = await t.finished(id);
      expect(rec.status).toBe("canceled");
      expect((rec.output as string[]).length).toBeGreaterThan(0);
    } finally {
      await t.close();
      await server.close();
    }
  });

  it("a setup failure (coglet stays up, SETUP_FAILED): failed with the setup logs", async () => {
    const server = await cogletServer({ failSetup: true });
    const t = await startAgent();
    try {
      const { id } = await t.run({ prompt: "x" }, { model: "cog-fixture", version: "coglet", runtime: server.runtime });
      const rec = await t.finished(id);
      expect(rec.status).toBe("failed");
      expect(rec.error).toMatch(
        /^Model setup failed \(SETUP_FAILED\)\. Setup logs:\nsetup: pretending to load weights/,
      );
      expect(rec.error).toContain("RuntimeError: setup: weights missing");
    } finally {
      await t.close();
      await server.close();
    }
  });

  it("a server that stops answering mid-prediction: the prediction fails clearly", async () => {
    const server = await cogletServer();
    const t = await startAgent({ healthIntervalMs: 100 });
    try {
      const o = { model: "cog-fixture", version: "coglet", runtime: server.runtime };
      const { id } = await t.run({ prompt: "long", n_tokens: 500, delay: 0.02 }, o);
      await t.processing(id);
      await server.close();
      const rec = await t.finished(id);
      expect(rec.status).toBe("failed");
      // Closed, it refuses connections: the error says the server at its URL is gone.
      expect(rec.error).toBe(
        `The model server at ${server.runtime.url} became unreachable (connect ECONNREFUSED ${server.runtime.url.slice(7)}) while the prediction was running.`,
      );
    } finally {
      await t.close();
    }
  });
});
