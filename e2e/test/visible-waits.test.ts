import type { Prediction } from "replicate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Platform, startPlatform } from "./helpers.ts";
import { readSse, type SseEvent } from "./sse.ts";

/**
 * Visible waits: on an agent with one slot, a long prediction of one model holds it while a
 * prediction of a slow-booting model waits. The waiting one's object says why (`queue`: waiting for
 * a slot, then its boot's setup with the model's setup logs), over GET, SSE (as `logs` lines) and
 * the WebSocket (typed `queue` messages); once it runs the field is gone. The official client
 * streams it unchanged.
 */
let p: Platform;
const versions: Record<string, string> = {};
const FIXTURE = "apps/gpu-agent/test/fixtures/coglet-server.ts";

beforeAll(async () => {
  p = await startPlatform("r8_e2e_dev_token", { env: { GANTRY_AGENT_SLOTS: "1" } });
  for (const [name, setupMs] of [
    ["busy", "50"],
    ["slow-boot", "3000"],
  ] as const) {
    await p.replicate.models.create("dev", name, { visibility: "private", hardware: "cpu" });
    const res = await p.api(`/v1/models/dev/${name}/versions`, {
      method: "POST",
      body: JSON.stringify({ command: ["node", "--import", "tsx", FIXTURE, "--setup-ms", setupMs] }),
    });
    const body = (await res.json()) as { id: string; detail?: string };
    if (res.status !== 201) throw new Error(`registering ${name}: ${res.status} ${body.detail}`);
    versions[name] = body.id;
  }
}, 90_000);
afterAll(async () => {
  await p?.close();
});

type Queue = { position: number | null; estimated_start_at: string | null; phase: string; phase_started_at: string };
type Waiting = Prediction & { queue?: Queue };

async function until<T>(what: string, read: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("visible waits", () => {
  it("a waiting prediction says its place, its boot's phase and setup logs; GET, SSE and WebSocket; the client is unaffected", async () => {
    // The one slot: a prediction of another model that runs for a few seconds.
    const holder = await p.replicate.predictions.create({
      version: versions.busy!,
      input: { prompt: "hold", n_tokens: 20, delay: 0.25 },
    });
    await until("the holder to run", async () =>
      (await p.replicate.predictions.get(holder.id)).status === "processing" ? true : undefined,
    );

    const waiting = (await p.replicate.predictions.create({
      version: versions["slow-boot"]!,
      input: { prompt: "wait", n_tokens: 3, delay: 0.05 },
    })) as Waiting;
    expect(waiting.urls.stream).toBeTruthy();

    // SSE, as any reader of Replicate's stream gets it.
    const sse = fetch(waiting.urls.stream!, { headers: { accept: "text/event-stream" } }).then((res) => readSse(res));
    // The WebSocket: typed queue messages besides the SSE events.
    const ws = new WebSocket(`${p.stack.baseUrl.replace("http", "ws")}/v1/ws`);
    const frames: { type: string; queue?: Queue; event?: string }[] = [];
    ws.on("message", (data) => frames.push(JSON.parse(String(data)) as (typeof frames)[number]));
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    ws.send(JSON.stringify({ type: "subscribe", stream: waiting.urls.stream }));

    // GET, through the official client: the phases it passes through while `starting`.
    const seen: Queue[] = [];
    let logsWhileStarting = "";
    const ended = await until(
      "the waiting prediction to end",
      async () => {
        const now = (await p.replicate.predictions.get(waiting.id)) as Waiting;
        if (now.status === "starting" && now.queue) {
          if (seen.at(-1)?.phase !== now.queue.phase) seen.push(now.queue);
          logsWhileStarting = now.logs ?? "";
        }
        return ["succeeded", "failed", "canceled"].includes(now.status) ? now : undefined;
      },
      90_000,
    );
    expect(ended.status).toBe("succeeded");
    expect(ended.output).toEqual(["tok0 ", "tok1 ", "tok2 "]);
    // Gone once it ran; the logs are the model's own.
    expect(ended.queue).toBeUndefined();
    expect(ended.logs).not.toContain("Queued:");

    const phases = seen.map((q) => q.phase);
    expect(phases[0]).toBe("waiting_for_slot");
    expect(seen[0]?.position).toBe(0);
    expect(phases).toContain("setup");
    expect(phases.indexOf("setup")).toBeGreaterThan(0);
    const setup = seen.find((q) => q.phase === "setup");
    expect(setup?.position).toBeNull();
    expect(Date.parse(setup?.phase_started_at ?? "")).toBeGreaterThanOrEqual(
      Date.parse(seen[0]?.phase_started_at ?? ""),
    );
    expect(logsWhileStarting).toMatch(/^Queued: waiting for a free cpu instance of dev\/slow-boot/);
    expect(logsWhileStarting).toContain("[setup] setup: loading weights");

    // SSE: the wait as `logs` events before the output, and only Replicate's four event types.
    const events: SseEvent[] = await sse;
    expect(new Set(events.map((e) => e.event))).toEqual(new Set(["logs", "output", "done"]));
    const logs = events.filter((e) => e.event === "logs").map((e) => e.data);
    expect(logs.some((l) => l.startsWith("Queued: waiting for a free cpu instance"))).toBe(true);
    expect(logs.some((l) => l.includes("[setup] setup: loading weights"))).toBe(true);
    const firstOutput = events.findIndex((e) => e.event === "output");
    expect(events.findIndex((e) => e.data.includes("[setup]"))).toBeLessThan(firstOutput);
    expect(events.filter((e) => e.event === "output").map((e) => e.data)).toEqual(["tok0 ", "tok1 ", "tok2 "]);

    // WebSocket: typed queue messages with the same phases, then the events to `done`.
    await until("the WebSocket's done", async () => (frames.some((f) => f.event === "done") ? true : undefined));
    ws.close();
    const wsPhases = frames.filter((f) => f.type === "queue").map((f) => f.queue?.phase);
    expect(wsPhases[0]).toBe("waiting_for_slot");
    expect(wsPhases).toContain("setup");
    expect(frames.some((f) => f.type === "event" && f.event === "logs")).toBe(true);

    // The holder was never told anything of the other model's boot.
    const held = await until("the holder to end", async () => {
      const h = await p.replicate.predictions.get(holder.id);
      return h.status === "succeeded" ? h : undefined;
    });
    expect(held.logs).not.toContain("[setup]");
  }, 150_000);

  it("the official client's stream() and run() work unchanged on a model whose boot is waited for", async () => {
    // A fresh model: its first prediction boots it (the agent's one slot is free by now, or frees).
    await p.replicate.models.create("dev", "slow-boot-2", { visibility: "private", hardware: "cpu" });
    const res = await p.api("/v1/models/dev/slow-boot-2/versions", {
      method: "POST",
      body: JSON.stringify({ command: ["node", "--import", "tsx", FIXTURE, "--setup-ms", "1500"] }),
    });
    expect(res.status).toBe(201);
    let text = "";
    const kinds = new Set<string>();
    for await (const ev of p.replicate.stream("dev/slow-boot-2", {
      input: { prompt: "s", n_tokens: 4, delay: 0.05 },
    })) {
      kinds.add(ev.event);
      text += String(ev);
    }
    // Wait notes arrive as `logs` events, whose String() is "": the text is the output alone.
    expect(text).toBe("tok0 tok1 tok2 tok3 ");
    expect(kinds.has("logs")).toBe(true);
    expect(kinds.has("done")).toBe(true);
    const out = await p.replicate.run("dev/slow-boot-2", { input: { prompt: "r", n_tokens: 2, delay: 0 } });
    expect(out).toEqual(["tok0 ", "tok1 "]);
  }, 120_000);
});
