import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createCogFixture } from "./cog-fixture.ts";
import { type FixturePrediction, healthBody, pythonFull, pythonWebhook } from "./cog-fixture-shapes.ts";

/** Captured bodies, verbatim from cog-http-protocol.md (Python cog v0.16.12). */
const CAPTURED = {
  accepted: `{"input":{"prompt":"hello","n_tokens":8,"delay":0.2,"fail":false},"output":[],"id":"async-1","version":null,"created_at":null,"started_at":"2026-11-22T12:58:49.074763+00:00","completed_at":null,"logs":"predict: prompt='hello'\\n","error":null,"status":"processing","metrics":null}`,
  webhook: `{"input":{"prompt":"hello","n_tokens":8,"delay":0.2,"fail":false},"output":["tok0 ","tok1 ","tok2 "],"id":"async-1","created_at":null,"started_at":"2026-11-22T12:58:49.074763+00:00","logs":"predict: prompt='hello'\\n","status":"processing"}`,
  ready: `{"status":"READY","setup":{"started_at":"2026-11-22T12:58:35.309526+00:00","completed_at":"2026-11-22T12:58:37.404876+00:00","logs":"setup: pretending to load weights\\nsetup: done\\n","status":"succeeded"}}`,
};
/** The fixture's clock has milliseconds; the captures have microseconds. */
const toMs = (json: string) => json.replace(/(\.\d{3})\d{3}\+00:00/g, "$1000+00:00");
const at = (iso: string) => new Date(iso.replace(/(\.\d{3})\d{3}\+00:00/, "$1Z"));

describe("Python shapes match the captures key for key", () => {
  const p: FixturePrediction = {
    id: "async-1",
    input: { prompt: "hello", n_tokens: 8, delay: 0.2, fail: false },
    output: [],
    logs: "predict: prompt='hello'\n",
    status: "processing",
    startedAt: at("2026-11-22T12:58:49.074763+00:00"),
  };

  it("the 202 of an async create", () => {
    expect(JSON.stringify(pythonFull(p))).toBe(toMs(CAPTURED.accepted));
  });

  it("a webhook (unset keys left out)", () => {
    expect(JSON.stringify(pythonWebhook({ ...p, output: ["tok0 ", "tok1 ", "tok2 "] }))).toBe(toMs(CAPTURED.webhook));
  });

  it("the terminal webhook adds completed_at and metrics, and no error", () => {
    const done = pythonWebhook({ ...p, status: "succeeded", completedAt: new Date(), predictTime: 1.6081361 });
    expect(Object.keys(done)).toEqual([
      "input",
      "output",
      "id",
      "created_at",
      "started_at",
      "completed_at",
      "logs",
      "status",
      "metrics",
    ]);
    expect(done.metrics).toEqual({ predict_time: 1.608136 });
  });

  it("health while READY", () => {
    const setup = {
      startedAt: at("2026-11-22T12:58:35.309526+00:00"),
      completedAt: at("2026-11-22T12:58:37.404876+00:00"),
      logs: "setup: pretending to load weights\nsetup: done\n",
      status: "succeeded" as const,
    };
    expect(JSON.stringify(healthBody("python", "READY", setup))).toBe(toMs(CAPTURED.ready));
    expect(healthBody("python", "STARTING", setup)).toEqual({ status: "STARTING", setup: {} });
  });
});

interface Hook {
  body: Record<string, unknown>;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function receiver(): Promise<{ url: string; hooks: Hook[]; terminal: Promise<Hook> }> {
  const hooks: Hook[] = [];
  let resolve: (h: Hook) => void = () => {};
  const terminal = new Promise<Hook>((r) => {
    resolve = r;
  });
  const url = await listen(
    createServer((req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => {
        text += c.toString();
      });
      req.on("end", () => {
        res.end("{}");
        const hook = { body: JSON.parse(text) as Record<string, unknown> };
        hooks.push(hook);
        if (["succeeded", "failed", "canceled"].includes(String(hook.body.status))) resolve(hook);
      });
    }),
  );
  return { url, hooks, terminal };
}

const put = (base: string, id: string, body: Record<string, unknown>) =>
  fetch(`${base}/predictions/${id}`, {
    method: "PUT",
    headers: { "content-type": "application/json", prefer: "respond-async" },
    body: JSON.stringify({ id, ...body }),
  });

async function ready(base: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const h = (await (await fetch(`${base}/health-check`)).json()) as { status: string };
    if (h.status === "READY") return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("fixture never READY");
}

describe("the fixture over HTTP", () => {
  it("python: 409 while setting up, 202 processing, webhooks, 409 busy with the captured detail", async () => {
    const base = await listen(createCogFixture({ mode: "python", setupMs: 600, throttleMs: 0 }));
    expect((await (await fetch(`${base}/health-check`)).json()).status).toBe("STARTING");
    const early = await put(base, "p0", { input: { prompt: "x" } });
    expect([early.status, await early.json()]).toEqual([409, { detail: "Already running a prediction" }]);
    await ready(base);
    const hooks = await receiver();
    const res = await put(base, "p1", { input: { prompt: "hi", n_tokens: 3, delay: 0.05 }, webhook: hooks.url });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ id: "p1", status: "processing", output: [], metrics: null });
    const busy = await put(base, "p2", { input: { prompt: "x" } });
    expect([busy.status, await busy.json()]).toEqual([409, { detail: "Already running a prediction" }]);
    const done = (await hooks.terminal).body;
    expect(done).toMatchObject({ status: "succeeded", output: ["tok0 ", "tok1 ", "tok2 "] });
    expect(done.logs).toBe("predict: prompt='hi'\npredict: finished\n");
    expect(Object.keys(done)).not.toContain("error");
    expect(hooks.hooks.every((h) => !("version" in h.body))).toBe(true);
  });

  it("coglet: 503 while setting up, 202 starting, snapshots without input or times, 409 at capacity", async () => {
    const base = await listen(createCogFixture({ mode: "coglet", setupMs: 600 }));
    const early = await put(base, "c0", { input: { prompt: "x" } });
    expect(early.status).toBe(503);
    expect(await early.json()).toMatchObject({ status: "failed" });
    await ready(base);
    const health = (await (await fetch(`${base}/health-check`)).json()) as Record<string, unknown>;
    expect(health.version).toMatchObject({ coglet: "0.22.0" });
    const hooks = await receiver();
    const res = await put(base, "c1", { input: { prompt: "hi", n_tokens: 3, delay: 0.05 }, webhook: hooks.url });
    expect([res.status, await res.json()]).toEqual([202, { id: "c1", status: "starting" }]);
    const busy = await put(base, "c2", { input: { prompt: "x" } });
    expect([busy.status, await busy.json()]).toEqual([
      409,
      { error: "At capacity - all prediction slots busy", status: "failed" },
    ]);
    const done = (await hooks.terminal).body;
    expect(Object.keys(done)).toEqual(["id", "status", "logs", "output", "metrics"]);
    expect(done.output).toEqual(["tok0 ", "tok1 ", "tok2 "]);
    for (const h of hooks.hooks) expect(Object.keys(h.body)).not.toContain("input");
  });

  it("fail keeps two tokens and the error; cancel ends canceled with partial output", async () => {
    const base = await listen(createCogFixture({ mode: "python", throttleMs: 0 }));
    await ready(base);
    const failed = await receiver();
    await put(base, "f1", { input: { prompt: "x", n_tokens: 5, delay: 0.01, fail: true }, webhook: failed.url });
    expect((await failed.terminal).body).toMatchObject({
      status: "failed",
      error: "boom: requested failure",
      output: ["tok0 ", "tok1 "],
    });
    const canceled = await receiver();
    await put(base, "k1", { input: { prompt: "x", n_tokens: 100, delay: 0.05 }, webhook: canceled.url });
    await new Promise((r) => setTimeout(r, 130));
    expect((await fetch(`${base}/predictions/k1/cancel`, { method: "POST" })).status).toBe(200);
    expect((await fetch(`${base}/predictions/nope/cancel`, { method: "POST" })).status).toBe(404);
    const body = (await canceled.terminal).body;
    expect(body.status).toBe("canceled");
    expect((body.output as string[]).length).toBeGreaterThan(0);
    expect(body).not.toHaveProperty("metrics");
  });
});
