import { context, type Span, SpanKind, type SpanOptions, trace } from "@opentelemetry/api";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const tracer = () => trace.getTracer("gantry");

/** A hop of a prediction's trace: its span, and the `traceparent` to carry to the next hop. */
export interface TraceHop {
  span: Span;
  /** The span's context as a W3C `traceparent`; absent when there is no trace to continue. */
  traceparent: string | undefined;
}

/**
 * Starts Gantry's span of one hop (the gateway's create, the agent's run) as a child of the
 * `traceparent` that came in, through the OpenTelemetry API. With no SDK registered (the
 * default) the span records nothing and the same `traceparent` travels on; once an operator
 * registers an SDK, the span is real and its own id is what the next hop sees as its parent.
 */
export function startHop(
  name: string,
  traceparent: string | undefined,
  attributes: SpanOptions["attributes"] = {},
  kind: SpanKind = SpanKind.SERVER,
): TraceHop {
  const m = traceparent ? TRACEPARENT.exec(traceparent) : null;
  const parent =
    m?.[1] && m[2] && m[3]
      ? trace.setSpanContext(context.active(), {
          traceId: m[1],
          spanId: m[2],
          traceFlags: Number.parseInt(m[3], 16),
          isRemote: true,
        })
      : context.active();
  const span = tracer().startSpan(name, { kind, attributes }, parent);
  const sc = span.spanContext();
  const onward = trace.isSpanContextValid(sc)
    ? `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags.toString(16).padStart(2, "0")}`
    : undefined;
  return { span, traceparent: onward };
}
