import { describe, expect, it } from "vitest";
import { startHop } from "./trace-context.ts";

describe("startHop (OpenTelemetry API, no SDK registered)", () => {
  it("carries the incoming traceparent on unchanged, in a span of the same trace", () => {
    const incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const hop = startHop("gantry.prediction.create", incoming, { "gantry.model": "acme/llm" });
    expect(hop.traceparent).toBe(incoming);
    expect(hop.span.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(hop.span.isRecording()).toBe(false);
    hop.span.end();
  });

  it("starts no trace of its own without one coming in, and drops a malformed one", () => {
    expect(startHop("gantry.prediction.create", undefined).traceparent).toBeUndefined();
    expect(startHop("gantry.prediction.create", "00-zz-b7ad6b7169203331-01").traceparent).toBeUndefined();
  });
});

describe("startHop with a tracer provider registered", () => {
  it("carries its own span's id onward, in the incoming trace", async () => {
    const { trace } = await import("@opentelemetry/api");
    // The least a provider does: a span per hop, child of the context it is given.
    const tracer = {
      startSpan: (_name: string, _o: unknown, ctx: Parameters<typeof trace.getSpanContext>[0]) =>
        trace.wrapSpanContext({
          traceId: trace.getSpanContext(ctx)?.traceId ?? "1".repeat(32),
          spanId: "c".repeat(16),
          traceFlags: 1,
        }),
    };
    trace.setGlobalTracerProvider({ getTracer: () => tracer as unknown as ReturnType<typeof trace.getTracer> });
    try {
      const hop = startHop("gantry.prediction.create", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
      expect(hop.traceparent).toBe(`00-0af7651916cd43dd8448eb211c80319c-${"c".repeat(16)}-01`);
    } finally {
      trace.disable();
    }
  });
});
