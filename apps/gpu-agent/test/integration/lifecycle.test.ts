import { CancelReply } from "@gantry/contracts/jobs";
import { STREAMS, subjects } from "@gantry/contracts/subjects";
import { UsageEvent } from "@gantry/contracts/usage";
import { decode, encode } from "@gantry/platform/codec";
import { jetstreamManager } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { modelArgv, startAgent } from "./harness.ts";

describe("model server lifecycle", () => {
  it("setup failure: SETUP_FAILED fails the prediction with a clear error and the setup logs", async () => {
    const t = await startAgent();
    try {
      const { id, reply } = await t.run({}, { model: "setup-fails" });
      expect(reply).toEqual({ accepted: true, cold_boot: true, incarnation: expect.any(String) });
      const rec = await t.finished(id);
      expect(rec.status).toBe("failed");
      expect(rec.error).toMatch(/^Model setup failed \(SETUP_FAILED\)\. Setup logs:\n/);
      expect(rec.error).toContain("setup: loading weights from weights/model.safetensors");
      expect(rec.error).toContain("FileNotFoundError: weights/model.safetensors does not exist");
      const [instance] = t.agent.instances();
      expect(instance?.state).toBe("failed");
      expect(instance?.error).toBe(rec.error);
    } finally {
      await t.close();
    }
  });

  it("crash: kill -9 mid-prediction fails it clearly; the next prediction runs on a fresh server", async () => {
    const t = await startAgent();
    try {
      const first = await t.run({ tokens: 1, sleep_ms: 30_000 });
      await t.processing(first.id);
      const [crashed] = t.agent.instances();
      const pid = crashed?.pid;
      expect(pid).toBeGreaterThan(0);
      process.kill(pid ?? 0, "SIGKILL");
      const rec = await t.finished(first.id);
      expect(rec.status).toBe("failed");
      expect(rec.error).toBe(
        "The model server exited unexpectedly (killed by SIGKILL) while the prediction was running.",
      );

      // The agent replaced the dead server on its own.
      const next = await t.run({ tokens: 2 });
      expect(next.reply.accepted).toBe(true);
      expect(await t.finished(next.id)).toMatchObject({ status: "succeeded", output: ["tok0", " tok1"] });
      const [fresh] = t.agent.instances();
      expect(t.agent.instances()).toHaveLength(1);
      expect(fresh?.pid).not.toBe(pid);
      expect(fresh?.restarts).toBe(1);
      expect(fresh?.state).toBe("ready");
    } finally {
      await t.close();
    }
  });

  it("cancel: the agent's cancel reaches the model server, which ends the prediction canceled", async () => {
    const t = await startAgent();
    try {
      const { id } = await t.run({ tokens: 1000, token_delay_ms: 20 });
      await t.processing(id);
      await new Promise((r) => setTimeout(r, 200));
      const res = await t.nc.request(subjects.agentCancel(t.agentId), encode({ prediction_id: id }), { timeout: 5000 });
      expect(decode(CancelReply, res.data, "cancel reply")).toEqual({ found: true });
      const rec = await t.finished(id);
      expect(rec.status).toBe("canceled");
      expect(Array.isArray(rec.output) && rec.output.length).toBeGreaterThan(0);
      expect((rec.output as string[]).length).toBeLessThan(1000);
      const evs = await t.events(id);
      expect(evs.at(-1)).toEqual({ type: "done", status: "canceled", error: null });
    } finally {
      await t.close();
    }
  });

  it("a user's cancel: the predict time billed is the one the prediction shows", async () => {
    const t = await startAgent();
    try {
      const { id } = await t.run({ tokens: 1000, token_delay_ms: 20 });
      await t.processing(id);
      await new Promise((r) => setTimeout(r, 200));
      // As the gateway cancels: the record first, then the agent.
      await t.store.transition(id, { type: "cancel", at: new Date() });
      await t.nc.request(subjects.agentCancel(t.agentId), encode({ prediction_id: id }), { timeout: 5000 });
      const rec = await t.finished(id);
      expect(rec.status).toBe("canceled");
      const jsm = await jetstreamManager(t.nc);
      let usage: UsageEvent | null = null;
      for (let i = 0; i < 100 && !usage; i++) {
        const m = await jsm.streams
          .getMessage(STREAMS.usage.name, { last_by_subj: subjects.usage("predict", t.agentId) })
          .catch(() => null);
        usage = m ? decode(UsageEvent, m.data, "usage") : null;
        if (!usage) await new Promise((r) => setTimeout(r, 50));
      }
      expect(usage).toMatchObject({ kind: "predict", prediction_id: id });
      expect(usage?.kind === "predict" && usage.predict_ms).toBe(Math.round((rec.metrics.predict_time ?? -1) * 1000));
    } finally {
      await t.close();
    }
  });

  it("concurrency 2: two predictions run at once on one server; a third waits for a slot and succeeds", async () => {
    const t = await startAgent({ slots: 1 });
    try {
      await t.finished((await t.run({ tokens: 0 })).id); // boot
      const a = await t.run({ sleep_ms: 1500, tokens: 1 });
      const b = await t.run({ sleep_ms: 1500, tokens: 1 });
      expect([a.reply, b.reply]).toEqual([
        { accepted: true, cold_boot: false, incarnation: expect.any(String) },
        { accepted: true, cold_boot: false, incarnation: expect.any(String) },
      ]);
      // No slot left on this agent: the scheduler is told so and offers the work again.
      const c = await t.run({ tokens: 3 });
      expect(c.reply).toEqual({ accepted: false, reason: "no free slot" });
      let retry = await t.request(c.id, { tokens: 3 });
      while (!retry.accepted) {
        await new Promise((r) => setTimeout(r, 100));
        retry = await t.request(c.id, { tokens: 3 });
      }
      const [ra, rb, rc] = await Promise.all([t.finished(a.id), t.finished(b.id), t.finished(c.id)]);
      expect([ra.status, rb.status, rc.status]).toEqual(["succeeded", "succeeded", "succeeded"]);
      expect(rc.output).toEqual(["tok0", " tok1", " tok2"]);
      // a and b overlapped on the one server; c started once one of them was done.
      const span = (r: typeof ra) => [Date.parse(r.started_at ?? ""), Date.parse(r.completed_at ?? "")] as const;
      expect(span(rb)[0]).toBeLessThan(span(ra)[1]);
      expect(span(rc)[0]).toBeGreaterThanOrEqual(Math.min(span(ra)[1], span(rb)[1]) - 50);
      expect(t.agent.instances()).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it("a 409 from a busy server never loses work: the run is handed back unstored and runs when offered again", async () => {
    const t = await startAgent();
    try {
      // The server really has one slot (env overrides the agent's COG_MAX_CONCURRENCY=2), so the
      // second prediction the agent sends it is answered 409.
      const runtime = { kind: "command" as const, argv: ["env", "COG_MAX_CONCURRENCY=1", ...modelArgv("test")] };
      const o = { runtime, version: "test-one-slot", concurrency: 2 };
      await t.finished((await t.run({ tokens: 0 }, o)).id); // boot
      const a = await t.run({ sleep_ms: 800, tokens: 1 }, o);
      const b = await t.run({ tokens: 2 }, o);
      // Not accepted: the scheduler keeps it and offers it again (here, or elsewhere) later.
      expect(b.reply).toEqual({ accepted: false, reason: "the model server has no free slot (HTTP 409)" });
      expect((await t.store.get(b.id))?.record).toMatchObject({ status: "starting", agent_id: null });
      const ra = await t.finished(a.id);
      expect(ra.status).toBe("succeeded");
      expect((await t.request(b.id, { tokens: 2 }, o)).accepted).toBe(true);
      const rb = await t.finished(b.id);
      expect(rb).toMatchObject({ status: "succeeded", output: ["tok0", " tok1"], agent_id: "it-agent" });
      expect(Date.parse(rb.started_at ?? "")).toBeGreaterThanOrEqual(Date.parse(ra.completed_at ?? "") - 50);
    } finally {
      await t.close();
    }
  });
});
