import { describe, expect, it } from "vitest";
import { SseParser, SseSnapshots } from "./sse.ts";

describe("SseParser", () => {
  it("splits events across chunk boundaries and skips comments", () => {
    const p = new SseParser();
    expect(p.push('event: output\ndata: {"chunk":"a",')).toEqual([]);
    expect(p.push('"index":0}\n\n: keep-alive\n\nevent: log\r\ndata: {"data":"x"}\r\n\r\n')).toEqual([
      { event: "output", data: '{"chunk":"a","index":0}' },
      { event: "log", data: '{"data":"x"}' },
    ]);
  });

  it("joins multi-line data and defaults the event name", () => {
    expect(new SseParser().push("data: a\ndata: b\n\n")).toEqual([{ event: "message", data: "a\nb" }]);
  });
});

describe("SseSnapshots", () => {
  it("accumulates output chunks, log deltas and metrics into webhook-like snapshots", () => {
    const s = new SseSnapshots();
    expect(s.apply({ event: "start", data: '{"id":"p","status":"processing"}' })).toMatchObject({
      status: "processing",
      output: [],
    });
    s.apply({ event: "log", data: '{"source":"stdout","data":"one\\n"}' });
    expect(s.apply({ event: "metric", data: '{"name":"tokens.count","value":1,"mode":"increment"}' })).toBeNull();
    s.apply({ event: "metric", data: '{"name":"tokens.count","value":1,"mode":"increment"}' });
    s.apply({ event: "output", data: '{"chunk":"a","index":0}' });
    expect(s.apply({ event: "output", data: '{"chunk":"b","index":1}' })).toEqual({
      status: "processing",
      output: ["a", "b"],
      logs: "one\n",
      error: null,
      metrics: { "tokens.count": 2 },
    });
    expect(s.completed).toBe(false);
    const end = s.apply({
      event: "completed",
      data: '{"id":"p","status":"succeeded","logs":"one\\n","output":["a","b"],"metrics":{"score":2,"predict_time":0.5}}',
    });
    expect(end).toEqual({
      status: "succeeded",
      output: ["a", "b"],
      logs: "one\n",
      error: null,
      metrics: { "tokens.count": 2, score: 2 },
    });
    expect(s.completed).toBe(true);
  });

  it("fills a completed event that leaves output and logs out from the stream", () => {
    const s = new SseSnapshots();
    s.apply({ event: "output", data: '{"chunk":"x","index":0}' });
    s.apply({ event: "log", data: '{"data":"l"}' });
    expect(s.apply({ event: "completed", data: '{"status":"failed","error":"boom"}' })).toEqual({
      status: "failed",
      output: ["x"],
      logs: "l",
      error: "boom",
    });
  });

  it("ignores malformed data and unknown events", () => {
    const s = new SseSnapshots();
    expect(s.apply({ event: "output", data: "not json" })).toBeNull();
    expect(s.apply({ event: "error", data: '{"error":"overflow","skipped":3}' })).toBeNull();
  });
});
