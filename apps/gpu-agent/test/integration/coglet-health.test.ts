import { describe, expect, it } from "vitest";
import { cogletRuntime } from "./coglet-harness.ts";
import { startAgent } from "./harness.ts";

/**
 * coglet's health states after setup (cog-http-protocol.md §1.2, §3): BUSY and UNHEALTHY are not
 * failures; DEFUNCT (the worker died, the server stays up and never respawns it) fails what ran
 * with a platform error and the agent replaces the server.
 */
describe("coglet health", () => {
  it("a server UNHEALTHY from the end of its setup is up: the prediction runs at once", async () => {
    // With a 60 s setup timeout, an agent that waited for READY would fail this after a minute.
    const t = await startAgent({ setupTimeoutMs: 60_000 });
    try {
      const o = { model: "coglet", runtime: cogletRuntime({ unhealthy: true }), concurrency: 1 };
      const a = await t.run({ prompt: "a", n_tokens: 2, delay: 0.01 }, o);
      expect(await t.finished(a.id)).toMatchObject({ status: "succeeded", output: ["tok0 ", "tok1 "] });
      expect((await t.agent.instances()[0]?.client?.health())?.status).toBe("UNHEALTHY");
    } finally {
      await t.close();
    }
  });

  it("UNHEALTHY (the model's healthcheck failed) and BUSY keep the server: the next prediction runs on it", async () => {
    const t = await startAgent({ healthIntervalMs: 50 });
    try {
      const o = { model: "coglet", runtime: cogletRuntime(), concurrency: 1 };
      const a = await t.run({ prompt: "a", n_tokens: 3, delay: 0.05, unhealthy: true }, o);
      expect(await t.finished(a.id)).toMatchObject({ status: "succeeded", output: ["tok0 ", "tok1 ", "tok2 "] });
      const [instance] = t.agent.instances();
      expect((await instance?.client?.health())?.status).toBe("UNHEALTHY");
      const b = await t.run({ prompt: "b", n_tokens: 2, delay: 0.05 }, o);
      expect(b.reply).toMatchObject({ accepted: true, cold_boot: false });
      // One slot, taken: the server reports BUSY while b runs, and the agent keeps it.
      await t.processing(b.id);
      expect(await t.finished(b.id)).toMatchObject({ status: "succeeded", output: ["tok0 ", "tok1 "] });
      expect(t.agent.instances()).toEqual([instance]);
      expect(instance?.state).toBe("ready");
    } finally {
      await t.close();
    }
  });

  it("DEFUNCT: what ran fails with a platform error, and a new server takes the next prediction", async () => {
    // The default health interval (2 s): the failures coglet sends reveal DEFUNCT first.
    const t = await startAgent();
    try {
      const o = { model: "coglet", runtime: cogletRuntime(), concurrency: 2 };
      const long = await t.run({ prompt: "long", n_tokens: 500, delay: 0.02 }, o);
      await t.processing(long.id);
      const [first] = t.agent.instances();
      const crash = await t.run({ prompt: "crash", n_tokens: 5, delay: 0.02, crash: true }, o);
      const [rc, rl] = await Promise.all([t.finished(crash.id), t.finished(long.id)]);
      for (const rec of [rc, rl]) {
        expect(rec.status).toBe("failed");
        expect(rec.error).toMatch(
          /^The model server became DEFUNCT \(its worker process died\) while the prediction was running\./,
        );
      }
      // The partial output of what ran is kept, and the server's own message.
      expect(rc.output).toEqual(["tok0 "]);
      expect(rc.error).toContain("(the server said: Prediction failed: the worker process died)");
      expect((rl.output as string[]).length).toBeGreaterThan(0);
      // The DEFUNCT server is killed once both failures are in, and replaced.
      while (first?.state !== "failed") await new Promise((r) => setTimeout(r, 20));
      const next = await t.run({ prompt: "after", n_tokens: 2, delay: 0.01 }, o);
      expect(await t.finished(next.id)).toMatchObject({ status: "succeeded", output: ["tok0 ", "tok1 "] });
      const live = t.agent.instances().filter((i) => i.state !== "failed");
      expect(live).toHaveLength(1);
      expect(live[0]).not.toBe(first);
      expect(live[0]?.restarts).toBe(1);
      expect(first?.pid).not.toBe(live[0]?.pid);
    } finally {
      await t.close();
    }
  });
});
