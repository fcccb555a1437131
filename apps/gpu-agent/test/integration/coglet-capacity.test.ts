import { describe, expect, it } from "vitest";
import { BUSY_RETRY_MS } from "../../src/runner.ts";
import { cogletRuntime, createAnswers } from "./coglet-harness.ts";
import { startAgent } from "./harness.ts";

/**
 * The agent against coglet's capacity answers (cog-http-protocol.md §1.4–§1.5, §8): it fills the
 * version's declared concurrency, hands back what a full server refuses (409) without losing or
 * failing it, and fails what a broken server refuses (5xx) after a few tries.
 */
describe("coglet capacity", () => {
  it("fills exactly the declared concurrency on one server (COG_MAX_CONCURRENCY is passed)", async () => {
    const t = await startAgent();
    try {
      const o = { model: "coglet", runtime: cogletRuntime(), concurrency: 2 };
      const a = await t.run({ prompt: "a", n_tokens: 400, delay: 0.02 }, o);
      await t.processing(a.id);
      const b = await t.run({ prompt: "b", n_tokens: 3, delay: 0.01 }, o);
      expect(b.reply).toEqual({ accepted: true, cold_boot: false, incarnation: expect.any(String) });
      expect(await t.finished(b.id)).toMatchObject({ status: "succeeded", output: ["tok0 ", "tok1 ", "tok2 "] });
      // Both ran side by side on the one server, which took each at the first try.
      expect(t.agent.instances()).toHaveLength(1);
      expect(createAnswers(t, a.id)).toEqual(["202"]);
      expect(createAnswers(t, b.id)).toEqual(["202"]);
      expect((await t.store.get(a.id))?.record.status).toBe("processing");
    } finally {
      await t.close();
    }
  });

  it("a 409 of a server with fewer slots than declared: not accepted, nothing stored, placed later", async () => {
    const t = await startAgent();
    try {
      // The version says 2; the server has 1 slot.
      const o = { model: "coglet", runtime: cogletRuntime({ slots: 1 }), concurrency: 2 };
      const a = await t.run({ prompt: "a", n_tokens: 100, delay: 0.02 }, o);
      await t.processing(a.id);
      const b = await t.run({ prompt: "b", n_tokens: 2, delay: 0.01 }, o);
      expect(b.reply).toEqual({ accepted: false, reason: "the model server has no free slot (HTTP 409)" });
      // Asked once and again after each of the short pauses, then handed back: the prediction is
      // untouched, still the scheduler's.
      expect(createAnswers(t, b.id)).toEqual(Array(1 + BUSY_RETRY_MS.length).fill("409"));
      const stored = (await t.store.get(b.id))?.record;
      expect(stored).toMatchObject({ status: "starting", agent_id: null, logs: "" });
      // The heartbeat shows the server full, so no scheduler offers it more meanwhile.
      const beat = await t.buckets.agents.get(t.agentId);
      const hb = beat?.json<{ instances: { state: string; running: number }[] }>();
      expect(hb?.instances[0]).toMatchObject({ state: "busy", running: 2 });
      expect(await t.finished(a.id)).toMatchObject({ status: "succeeded" });
      // Offered again once the slot is free: it runs.
      expect((await t.request(b.id, { prompt: "b", n_tokens: 2, delay: 0.01 }, o)).accepted).toBe(true);
      expect(await t.finished(b.id)).toMatchObject({ status: "succeeded", output: ["tok0 ", "tok1 "] });
    } finally {
      await t.close();
    }
  });

  it("a 500 on create: failed with the server's answer after 3 tries, not retried until the timeout", async () => {
    const t = await startAgent();
    try {
      const o = { model: "coglet", runtime: cogletRuntime(), timeoutMs: 600_000 };
      const { id, reply } = await t.run({ prompt: "x", reject: 500 }, o);
      expect(reply.accepted).toBe(true);
      const rec = await t.finished(id);
      expect(rec).toMatchObject({
        status: "failed",
        error: "The model server could not start the prediction (HTTP 500): Internal Server Error",
      });
      expect(createAnswers(t, id)).toEqual(["500", "500", "500"]);
      // The server itself is fine: the next prediction runs on it.
      const next = await t.run({ prompt: "y", n_tokens: 1, delay: 0 }, o);
      expect(await t.finished(next.id)).toMatchObject({ status: "succeeded", output: ["tok0 "] });
      expect(t.agent.instances()).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});
