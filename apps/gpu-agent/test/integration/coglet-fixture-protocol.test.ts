import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "@gantry/platform/ports";
import { REPO_ROOT } from "@gantry/testing/stack";
import { describe, expect, it } from "vitest";

/**
 * The coglet fixture itself against cog-http-protocol.md (§1.2–§1.5, §2.5, §3, §8), over real
 * HTTP: what the agent tests rely on it to do, checked where the agent does not look.
 */

async function startFixture(flags: string[], concurrency = 1) {
  const port = await freePort();
  const proc: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "apps/gpu-agent/test/fixtures/coglet-server.ts", ...flags],
    {
      cwd: REPO_ROOT,
      // Only what Cog reads: a model server gets no more of the environment (as the agent starts one).
      env: { PORT: String(port), COG_MAX_CONCURRENCY: String(concurrency) },
      stdio: "ignore",
    },
  );
  const base = `http://127.0.0.1:${port}`;
  const health = async () => (await (await fetch(`${base}/health-check`)).json()) as Record<string, unknown>;
  /** Polls until the server answers a health check whose status is not `STARTING`. */
  const settled = async () => {
    for (;;) {
      const h = await health().catch(() => null);
      if (h && h.status !== "STARTING") return h;
      await sleep(20);
    }
  };
  const put = (id: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/predictions/${id}`, {
      method: "PUT",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  return {
    base,
    health,
    settled,
    put,
    [Symbol.asyncDispose]: async () => {
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await exited;
    },
  };
}

const async = { prefer: "respond-async" };

describe("the coglet fixture", () => {
  it("STARTING answers 503, then READY/BUSY with coglet's body, 409 at capacity, 202 `starting`", async () => {
    await using f = await startFixture(["--setup-ms", "400"], 2);
    let early: Response | null = null;
    while (!early) early = await f.put("early", { input: { prompt: "x" } }, async).catch(() => null);
    expect(early.status).toBe(503);
    expect(await early.json()).toEqual({
      error: "Setup has not finished yet. Wait until it has finished, or GET /health-check for status.",
      status: "failed",
    });
    const ready = await f.settled();
    expect(ready).toMatchObject({ status: "READY", setup: { status: "succeeded" }, version: { coglet: "0.22.0" } });
    const slow = { input: { prompt: "x", n_tokens: 200, delay: 0.02 } };
    const a = await f.put("a", slow, async);
    expect([a.status, await a.json()]).toEqual([202, { id: "a", status: "starting" }]);
    expect((await f.put("b", slow, async)).status).toBe(202);
    expect((await f.health()).status).toBe("BUSY");
    const c = await f.put("c", slow, async);
    expect([c.status, await c.json()]).toEqual([
      409,
      { error: "At capacity - all prediction slots busy", status: "failed" },
    ]);
    // A repeated PUT of a running id re-attaches: the current state, not a new run.
    const again = await f.put("a", slow, async);
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ id: "a", status: "processing" });
  });

  it("SSE: 406 without @cog.streaming; with it, the events in order and a re-attach that replays them", async () => {
    await using plain = await startFixture([]);
    await plain.settled();
    const refused = await plain.put("p", { input: { prompt: "x" } }, { accept: "text/event-stream" });
    expect(refused.status).toBe(406);

    await using f = await startFixture(["--streaming"]);
    await f.settled();
    const openapi = (await (await fetch(`${f.base}/openapi.json`)).json()) as {
      paths: Record<string, { post?: Record<string, unknown> }>;
    };
    expect(openapi.paths["/predictions"]?.post?.["x-cog-streaming"]).toBe(true);
    const sse = { accept: "text/event-stream" };
    const input = { prompt: "x", n_tokens: 2, delay: 0.2, metric: 3 };
    const first = await f.put("s", { input }, sse);
    expect(first.headers.get("content-type")).toBe("text/event-stream");
    // A second reader of the same id, while it runs: everything so far is replayed, then followed.
    const reader = f.put("s", { input }, sse);
    const [one, two] = await Promise.all([first.text(), (await reader).text()]);
    const names = (text: string) => [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    const expected = ["start", "log", "metric", "metric", "output", "metric", "output", "log", "completed"];
    expect(names(one)).toEqual(expected);
    expect(names(two)).toEqual(expected);
    const completed = JSON.parse(one.slice(one.lastIndexOf("data: ") + 6)) as Record<string, unknown>;
    expect(completed).toMatchObject({
      id: "s",
      status: "succeeded",
      output: ["tok0 ", "tok1 "],
      metrics: { score: 3, tokens: { count: 2 }, predict_time: expect.any(Number) },
    });
  });

  it("a worker crash: running predictions fail with predict_time, and the server stays DEFUNCT, refusing work", async () => {
    await using f = await startFixture([], 1);
    await f.settled();
    const res = await f.put("x", { input: { prompt: "x", n_tokens: 5, delay: 0.01, crash: true } });
    expect(await res.json()).toMatchObject({
      status: "failed",
      error: "Prediction failed: the worker process died",
      output: ["tok0 "],
      metrics: { predict_time: expect.any(Number) },
    });
    expect((await f.health()).status).toBe("DEFUNCT");
    expect((await f.put("y", { input: { prompt: "y" } }, async)).status).toBe(503);
  });

  it("SETUP_FAILED stays up with the setup logs; UNHEALTHY carries user_healthcheck_error", async () => {
    await using failed = await startFixture(["--fail-setup"]);
    expect(await failed.settled()).toMatchObject({
      status: "SETUP_FAILED",
      setup: { status: "failed", logs: expect.stringContaining("RuntimeError: setup: weights missing") },
    });
    await using sick = await startFixture(["--unhealthy"]);
    expect(await sick.settled()).toMatchObject({
      status: "UNHEALTHY",
      user_healthcheck_error: "fixture: healthcheck() returned False",
    });
    expect((await sick.put("u", { input: { prompt: "u", n_tokens: 0 } }, async)).status).toBe(202);
  });

  it("file outputs: a data URL, or with --upload-url a PUT without X-Prediction-ID whose Location is the output", async () => {
    const puts: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        puts.push({ url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(201, { location: "/files/out.txt?sig=abc" }).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    try {
      await using plain = await startFixture([]);
      await plain.settled();
      const inline = (await (await plain.put("d1", { input: { prompt: "x", n_tokens: 0, file: true } })).json()) as {
        output: string[];
      };
      expect(inline.output).toEqual([`data:text/plain;base64,${Buffer.from("file of d1\n").toString("base64")}`]);

      await using f = await startFixture(["--upload-url", `${origin}/up/`]);
      await f.settled();
      const res = await f.put("u1", { input: { prompt: "x", n_tokens: 1, delay: 0, file: true } });
      expect(await res.json()).toMatchObject({ status: "succeeded", output: ["tok0 ", `${origin}/files/out.txt`] });
      expect(puts).toHaveLength(1);
      expect(puts[0]).toMatchObject({ url: "/up/out.txt", body: "file of u1\n" });
      expect(puts[0]?.headers["content-type"]).toBe("text/plain");
      expect(puts[0]?.headers["x-prediction-id"]).toBeUndefined();
    } finally {
      receiver.close();
    }
  });
});
