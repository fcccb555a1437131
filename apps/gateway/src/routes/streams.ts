import { AppError, NOT_FOUND_DETAIL } from "@gantry/contracts/errors";
import type { PredictionRecord } from "@gantry/contracts/prediction";
import { Hono } from "hono";
import { sameToken } from "../core/capability.ts";
import { formatSse, parseLastEventId, sseFrames } from "../core/sse.ts";
import type { GatewayDeps, GatewayEnv } from "../deps.ts";
import { followEvents } from "../event-feed.ts";
import type { PredictionService } from "../prediction-service.ts";

/** A reader this many events behind the model is dropped (it can resume with Last-Event-ID). */
export const MAX_READER_LAG = 10_000;
const KEEP_ALIVE_MS = 15_000;

/** Finds the prediction a stream capability names; anything else is a plain 404. */
export async function streamTarget(svc: PredictionService, id: string, token: string): Promise<PredictionRecord> {
  const stored = /^[a-z0-9]{26}$/.test(id) ? await svc.store.get(id) : null;
  const expected = stored?.record.stream_token;
  if (!stored || !expected || !sameToken(expected, token)) throw new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
  return stored.record;
}

/**
 * `GET /v1/streams/{id}/{token}`: the prediction's events as server-sent events (reference §5).
 * A capability URL: no Authorization header (the official client sends none). Resumes after
 * `Last-Event-ID` (header, or `last_event_id` query parameter for browsers).
 */
export function streamRoutes(svc: PredictionService, deps: GatewayDeps) {
  const app = new Hono<GatewayEnv>();
  app.get("/streams/:id/:token", async (c) => {
    const record = await streamTarget(svc, c.req.param("id"), c.req.param("token"));
    const after = parseLastEventId(c.req.header("last-event-id") ?? c.req.query("last_event_id"));
    if (after === null) throw new AppError("BAD_REQUEST", "Last-Event-ID must be an event id from this stream.");
    const feed = followEvents(deps.nc, record, after);
    const encoder = new TextEncoder();
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(": hi\n\n"));
        keepAlive = setInterval(() => controller.enqueue(encoder.encode(": keep-alive\n\n")), KEEP_ALIVE_MS);
      },
      // Pull-driven: the next event is read only when the client has taken the last one.
      async pull(controller) {
        const next = await feed.next().catch((err: unknown) => {
          deps.log.warn("event feed failed", { id: record.id, err: String(err) });
          return { done: true as const, value: undefined };
        });
        if (next.done) {
          clearInterval(keepAlive);
          controller.close();
          return;
        }
        const { seq, event, pending } = next.value;
        if (pending > MAX_READER_LAG) {
          const detail = `reader too slow: ${pending} events behind; reconnect with Last-Event-ID: ${seq - 1}`;
          controller.enqueue(
            encoder.encode(formatSse({ event: "error", data: JSON.stringify({ detail }), id: String(seq - 1) })),
          );
          clearInterval(keepAlive);
          await feed.return(undefined);
          controller.close();
          return;
        }
        for (const frame of sseFrames(event, String(seq))) controller.enqueue(encoder.encode(formatSse(frame)));
      },
      async cancel() {
        clearInterval(keepAlive);
        await feed.return(undefined);
      },
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-accel-buffering": "no",
        "access-control-allow-origin": "*",
      },
    });
  });
  return app;
}
