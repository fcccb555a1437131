import type { Prediction } from "replicate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";
import { readSse } from "./sse.ts";

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(async () => {
  await p?.close();
});

const tokens = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? "tok0" : ` tok${i}`));

async function create(input: Record<string, unknown>): Promise<Prediction> {
  const res = await p.api("/v1/models/gantry/test/predictions", { method: "POST", body: JSON.stringify({ input }) });
  expect(res.status).toBe(201);
  return (await res.json()) as Prediction;
}

describe("token streaming over SSE", () => {
  it("the official client's stream() yields the tokens in order, then done", async () => {
    const seen: { event: string; data: string }[] = [];
    for await (const ev of p.replicate.stream("gantry/test", { input: { tokens: 6, token_delay_ms: 5 } })) {
      seen.push({ event: ev.event, data: ev.data });
    }
    expect(seen.filter((e) => e.event === "output").map((e) => e.data)).toEqual(tokens(6));
    expect(seen.at(-1)).toEqual({ event: "done", data: "{}" });
  });

  it("a failed prediction ends with error then done; the client throws the error", async () => {
    const prediction = await create({ tokens: 2, fail: "stream broke" });
    const all = await readSse(await fetch(prediction.urls.stream!));
    expect(all.find((e) => e.event === "logs")?.data).toContain("Error: stream broke");
    const events = all.filter((e) => e.event !== "logs");
    expect(events.map((e) => e.event)).toEqual(["output", "output", "error", "done"]);
    expect(JSON.parse(events[2]!.data)).toEqual({ detail: "stream broke" });
    expect(JSON.parse(events[3]!.data)).toEqual({ reason: "error" });
    const run = async () => {
      for await (const _ of p.replicate.stream("gantry/test", { input: { fail: "kaput" } })) {
        // drain
      }
    };
    await expect(run()).rejects.toThrow('{"detail":"kaput"}');
  });

  it("a stream opened after the prediction finished replays it whole; ids on every event", async () => {
    const prediction = await create({ tokens: 4, log_lines: 1 });
    await p.replicate.wait(prediction, { interval: 50 });
    const res = await fetch(prediction.urls.stream!, { headers: { accept: "text/event-stream" } });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = await readSse(res);
    expect(events.filter((e) => e.event === "output").map((e) => e.data)).toEqual(tokens(4));
    expect(events.filter((e) => e.event === "logs").map((e) => e.data)).toEqual(["log line 0\n"]);
    expect(events.every((e) => /^\d+$/.test(e.id))).toBe(true);
    expect(events.at(-1)?.event).toBe("done");
  });

  it("resumes after Last-Event-ID: joined output equals the model's output exactly", async () => {
    const prediction = await create({ tokens: 40, token_delay_ms: 10 });
    const first = await readSse(await fetch(prediction.urls.stream!), 7);
    const last = first.at(-1)!.id;
    const rest = await readSse(await fetch(prediction.urls.stream!, { headers: { "last-event-id": last } }));
    const joined = [...first, ...rest].filter((e) => e.event === "output").map((e) => e.data);
    expect(joined).toEqual(tokens(40));
    expect(rest.at(-1)?.event).toBe("done");
    // The query-parameter form, for browsers.
    const viaQuery = await readSse(await fetch(`${prediction.urls.stream}?last_event_id=${last}`));
    expect(viaQuery.filter((e) => e.event === "output").map((e) => e.data)).toEqual(tokens(40).slice(7));
  });

  it("cancel during a stream ends it with done {reason: canceled}", async () => {
    const prediction = await create({ tokens: 1000, token_delay_ms: 20 });
    const reading = readSse(await fetch(prediction.urls.stream!));
    await new Promise((r) => setTimeout(r, 300));
    await p.replicate.predictions.cancel(prediction.id);
    const events = await reading;
    expect(events.at(-1)).toMatchObject({ event: "done", data: '{"reason":"canceled"}' });
    expect(events.filter((e) => e.event === "output").length).toBeGreaterThan(0);
  });

  it("the stream URL needs no token but cannot be guessed", async () => {
    const prediction = await create({ tokens: 1 });
    const url = new URL(prediction.urls.stream!);
    expect(url.pathname).toMatch(/^\/v1\/streams\/[a-z0-9]{26}\/r8_[a-z0-9]{40}$/);
    const forged = url.href.replace(/[a-z0-9]{4}$/, "aaaa");
    const res = await fetch(forged);
    expect(res.status).toBe(404);
  });
});
