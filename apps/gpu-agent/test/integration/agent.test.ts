import { describe, expect, it } from "vitest";
import { startAgent } from "./harness.ts";

describe("gpu-agent with a real Cog-protocol model server", () => {
  it("cold boots once, then reuses the warm instance; streams token deltas in order", async () => {
    const t = await startAgent();
    try {
      const first = await t.run({ tokens: 4, token_delay_ms: 5 });
      expect(first.reply).toEqual({ accepted: true, cold_boot: true, incarnation: expect.any(String) });
      const rec = await t.finished(first.id);
      expect(rec.status).toBe("succeeded");
      expect(rec.output).toEqual(["tok0", " tok1", " tok2", " tok3"]);
      expect(rec.agent_id).toBe("it-agent");
      const evs = await t.events(first.id);
      expect(evs.filter((e) => e.type === "output").map((e) => (e.type === "output" ? e.data : null))).toEqual(
        rec.output,
      );
      expect(evs.at(-1)).toEqual({ type: "done", status: "succeeded", error: null });
      const [instance] = t.agent.instances();
      expect(instance?.bootMs).toBeGreaterThan(0);

      const second = await t.run({ tokens: 1 });
      expect(second.reply).toEqual({ accepted: true, cold_boot: false, incarnation: expect.any(String) });
      expect((await t.finished(second.id)).status).toBe("succeeded");
      expect(t.agent.instances()).toEqual([instance]);
    } finally {
      await t.close();
    }
  });

  it("instant predictions are stored as started by this agent before they complete", async () => {
    const t = await startAgent();
    try {
      await t.finished((await t.run({ tokens: 0 })).id); // cold boot out of the way
      const ids = await Promise.all(Array.from({ length: 10 }, async () => (await t.run({ tokens: 0 })).id));
      for (const id of ids) {
        const rec = await t.finished(id);
        expect(rec.status).toBe("succeeded");
        expect(rec.agent_id).toBe("it-agent");
        expect(Date.parse(rec.started_at ?? "")).toBeLessThanOrEqual(Date.parse(rec.completed_at ?? ""));
      }
    } finally {
      await t.close();
    }
  });

  it("a model error fails the prediction with its message and keeps partial output", async () => {
    const t = await startAgent();
    try {
      const { id } = await t.run({ tokens: 2, fail: "exploded" });
      const rec = await t.finished(id);
      expect(rec.status).toBe("failed");
      expect(rec.error).toBe("exploded");
      expect(rec.output).toEqual(["tok0", " tok1"]);
    } finally {
      await t.close();
    }
  });

  it("enforces the run timeout the model server lacks, and the server's slot comes back", async () => {
    const t = await startAgent();
    try {
      const { id } = await t.run({ sleep_ms: 30_000 }, { timeoutMs: 1000, concurrency: 1 });
      const rec = await t.finished(id);
      expect(rec.status).toBe("failed");
      expect(rec.error).toBe("Prediction timed out after 1 second.");
      // The server was told to cancel; its canceled webhook frees the slot, and the next
      // prediction gets it without a new server.
      const [instance] = t.agent.instances();
      for (let i = 0; i < 100 && instance?.running.size; i++) await new Promise((r) => setTimeout(r, 20));
      expect(instance?.running.size).toBe(0);
      const next = await t.run({ tokens: 1 }, { concurrency: 1 });
      expect((await t.finished(next.id)).status).toBe("succeeded");
      expect(t.agent.instances()).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it("a polite stop drains: what it holds ends normally, nothing new is taken, the heartbeat says so", async () => {
    const t = await startAgent();
    try {
      await t.finished((await t.run({ tokens: 1 })).id); // cold boot out of the way
      const held = await t.run({ tokens: 3, token_delay_ms: 300 });
      await t.processing(held.id);
      const draining = t.agent.drain(30_000);
      // Offered meanwhile (a scheduler that has not read the heartbeat yet): refused, so it goes elsewhere.
      const late = await t.run({ tokens: 1 });
      expect(late.reply).toEqual({ accepted: false, reason: "draining" });
      const hb = (await t.buckets.agents.get(t.agentId))?.json<{ draining?: boolean; running: string[] }>();
      expect(hb?.draining).toBe(true);
      expect(hb?.running).toEqual([held.id]);
      expect(await draining).toEqual({ left: 0 });
      const rec = await t.finished(held.id);
      expect(rec.status).toBe("succeeded");
      expect(rec.output).toEqual(["tok0", " tok1", " tok2"]);
      expect((await t.store.get(late.id))?.record.status).toBe("starting");
    } finally {
      await t.close();
    }
  });

  it("a drain cut short returns what it still holds", async () => {
    const t = await startAgent();
    try {
      const held = await t.run({ sleep_ms: 20_000 });
      await t.processing(held.id);
      const cut = new AbortController();
      const draining = t.agent.drain(60_000, cut.signal);
      cut.abort();
      expect(await draining).toEqual({ left: 1 });
    } finally {
      await t.close();
    }
  });

  it("heartbeats report instances with their state and boot time", async () => {
    const t = await startAgent();
    try {
      await t.finished((await t.run({ tokens: 1 })).id);
      await new Promise((r) => setTimeout(r, 400));
      const entry = await t.buckets.agents.get(t.agentId);
      const hb = entry?.json<{ instances: Record<string, unknown>[] }>();
      expect(hb?.instances).toEqual([
        expect.objectContaining({ state: "ready", running: 0, concurrency: 2, error: null, restarts: 0 }),
      ]);
      expect(hb?.instances[0]?.boot_ms).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });

  it("heartbeats report each instance's mean predict time, from its succeeded predictions only", async () => {
    const t = await startAgent();
    const predictMs = async () => {
      await new Promise((r) => setTimeout(r, 400));
      const hb = (await t.buckets.agents.get(t.agentId))?.json<{ instances: { predict_ms?: number | null }[] }>();
      return hb?.instances[0]?.predict_ms;
    };
    try {
      await t.finished((await t.run({ tokens: 1, sleep_ms: 300 })).id);
      const first = await predictMs();
      expect(first).toBeGreaterThanOrEqual(300);
      expect(first).toBeLessThan(5000);
      // A quick failure says nothing of the next prediction's time: the mean stays.
      await t.finished((await t.run({ tokens: 2, fail: "exploded" })).id);
      expect(await predictMs()).toBe(first);
    } finally {
      await t.close();
    }
  });

  it("on a GPU host, heartbeats carry the GPUs and their memory in use", async () => {
    const gpu = { index: 0, name: "NVIDIA H100 80GB HBM3", uuid: "GPU-e1f592a8", memory_mib: 81559 };
    // The reading a loaded H100 gave (test/fixtures/nvidia-smi/h100-80gb-hbm3.memory-loaded.csv).
    const t = await startAgent({ sku: "gpu-h100", gpus: [gpu], gpuMemoryUsed: async () => new Map([[0, 12907]]) });
    try {
      const hb = (await t.buckets.agents.get(t.agentId))?.json<{ sku: string; gpus: unknown[] }>();
      expect(hb?.sku).toBe("gpu-h100");
      expect(hb?.gpus).toEqual([{ ...gpu, memory_used_mib: 12907 }]);
    } finally {
      await t.close();
    }
  });
});
