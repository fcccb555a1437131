import { AppError, NOT_FOUND_DETAIL } from "@gantry/contracts/errors";
import type { PredictionRecord } from "@gantry/contracts/prediction";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { Hono } from "hono";
import { sameToken } from "../core/capability.ts";
import { ANSWER_HEADERS, API_CSP } from "../core/content-safety.ts";
import { formatSse, parseLastEventId, sseFrames } from "../core/sse.ts";
import type { GatewayDeps, GatewayEnv } from "../deps.ts";
import type { FeedItem } from "../event-feed.ts";
import type { PredictionService } from "../prediction-service.ts";
import { socketResponse, streamLive } from "../sse-socket.ts";
import type { StreamHub } from "../stream-hub.ts";

/** A reader this many events behind the model is dropped (it can resume with Last-Event-ID). */
export const MAX_READER_LAG = 10_000;
const KEEP_ALIVE_MS = 15_000;
/** At most this many waiting events go out in one write. */
const MAX_BATCH = 256;

/** Every reader of a live prediction is sent the same text for an event: formatted once, by event. */
const framesCache = new WeakMap<object, string>();
const framesText = (item: FeedItem) => {
  let text = framesCache.get(item.event);
  if (text === undefined) {
    text = sseFrames(item.event, String(item.seq)).map(formatSse).join("");
    framesCache.set(item.event, text);
  }
  return text;
};

/** The frame that drops a reader `pending` events behind: it resumes after `seq - 1`. */
const tooSlow = (seq: number, pending: number) => {
  const detail = `reader too slow: ${pending} events behind; reconnect with Last-Event-ID: ${seq - 1}`;
  return formatSse({ event: "error", data: JSON.stringify({ detail }), id: String(seq - 1) });
};

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
  "access-control-allow-origin": "*",
};

/** A stream written to its socket skips app.ts's middleware: it carries what that sets on every answer. */
const SOCKET_HEADERS = { ...SSE_HEADERS, ...ANSWER_HEADERS, "content-security-policy": API_CSP };

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
export function streamRoutes(svc: PredictionService, hub: StreamHub, deps: GatewayDeps) {
  const app = new Hono<GatewayEnv>();
  app.get("/streams/:id/:token", async (c) => {
    const record = await streamTarget(svc, c.req.param("id"), c.req.param("token"));
    const after = parseLastEventId(c.req.header("last-event-id") ?? c.req.query("last_event_id"));
    if (after === null) throw new AppError("BAD_REQUEST", "Last-Event-ID must be an event id from this stream.");
    const maxLag = deps.streamMaxLag ?? MAX_READER_LAG;
    // On Node, a live prediction's readers are written to their sockets directly (sse-socket.ts).
    // Only for GET: Hono answers a HEAD with a copy of this answer's head, which needs a Response.
    // A reader gone while the request was looked up takes the stream path, which then writes nothing.
    const node = c.req.method === "GET" ? socketResponse(c.env) : null;
    const socket = node && !node.destroyed ? node : null;
    const live = socket ? hub.live(record, after, { maxLag, reader: "sse" }) : null;
    if (socket && live) {
      streamLive(socket, live, {
        headers: SOCKET_HEADERS,
        maxLag,
        maxBatch: MAX_BATCH,
        keepAliveMs: KEEP_ALIVE_MS,
        frames: framesText,
        tooSlow,
        log: deps.log,
      });
      return RESPONSE_ALREADY_SENT;
    }
    // A reader that goes away ends its feed at once, not at the prediction's next event.
    const gone = new AbortController();
    const feed = hub.follow(record, after, { signal: gone.signal, maxLag, reader: "sse" });
    const encoder = new TextEncoder();
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(": hi\n\n"));
        keepAlive = setInterval(() => controller.enqueue(encoder.encode(": keep-alive\n\n")), KEEP_ALIVE_MS);
      },
      // Pull-driven: the next event is read only when the client has taken the last one.
      async pull(controller) {
        const read = () =>
          feed.next().catch((err: unknown) => {
            deps.log.warn("event feed failed", { id: record.id, err: String(err) });
            return { done: true as const, value: undefined };
          });
        const end = () => {
          clearInterval(keepAlive);
          controller.close();
        };
        const next = await read();
        if (next.done) return end();
        const { seq, pending } = next.value;
        if (pending > maxLag) {
          controller.enqueue(encoder.encode(tooSlow(seq, pending)));
          await feed.return(undefined);
          return end();
        }
        // Events already waiting go out in one write: a reader that fell behind catches up cheaply.
        let text = framesText(next.value);
        for (let waiting = Math.min(pending, MAX_BATCH); waiting > 0 && next.value.event.type !== "done"; waiting--) {
          const more = await read();
          if (more.done) break;
          text += framesText(more.value);
          if (more.value.event.type === "done") break;
        }
        controller.enqueue(encoder.encode(text));
      },
      async cancel() {
        clearInterval(keepAlive);
        gone.abort();
        await feed.return(undefined);
      },
    });
    return new Response(body, { headers: SSE_HEADERS });
  });
  return app;
}
