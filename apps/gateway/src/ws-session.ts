import { AppError } from "@gantry/contracts/errors";
import { z } from "zod";
import { parseLastEventId, sseFrames } from "./core/sse.ts";
import type { GatewayDeps } from "./deps.ts";
import type { FeedItem } from "./event-feed.ts";
import type { PredictionService } from "./prediction-service.ts";
import { MAX_READER_LAG, streamTarget } from "./routes/streams.ts";
import type { LiveReader, StreamHub } from "./stream-hub.ts";

/** What a runtime's WebSocket offers the session (ws on Node, WebSocketPair in workerd). */
export interface WsConnection {
  send(text: string): void;
  /** Bytes queued and not yet sent. */
  bufferedAmount(): number;
  close(code: number, reason: string): void;
}

/** Close code for a reader that fell too far behind; it resumes with `last_event_id`. */
export const WS_TOO_SLOW = 4008;
/** The largest message a client may send: subscribe and unsubscribe frames are tiny. */
export const MAX_WS_MESSAGE_BYTES = 16 * 1024;
/** Predictions one connection may follow at once. */
export const MAX_WS_SUBSCRIPTIONS = 64;

/** A connection with more than this queued is too slow. */
export const MAX_WS_BUFFERED_BYTES = 4 * 1024 * 1024;

const ClientMessage = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("subscribe"),
    /** The prediction's `urls.stream`. */
    stream: z.url(),
    last_event_id: z.string().optional(),
  }),
  z.object({ type: z.literal("unsubscribe"), prediction_id: z.string() }),
]);

/** Every subscriber of a live prediction is sent the same messages for an event: built once, by event. */
const messagesCache = new WeakMap<object, string[]>();
function messagesOf(predictionId: string, { seq, event }: FeedItem): string[] {
  let texts = messagesCache.get(event);
  if (texts === undefined) {
    texts = sseFrames(event, String(seq)).map((frame) =>
      JSON.stringify({ type: "event", prediction_id: predictionId, ...frame }),
    );
    if (event.type === "queue") {
      texts.push(JSON.stringify({ type: "queue", prediction_id: predictionId, id: String(seq), queue: event.queue }));
    }
    messagesCache.set(event, texts);
  }
  return texts;
}

/**
 * One WebSocket connection following any number of predictions. The client sends
 * `{"type":"subscribe","stream":"<urls.stream>","last_event_id"?}`; the server sends
 * `{"type":"event","prediction_id","id","event","data"}` frames carrying exactly the SSE events,
 * and ends each subscription after its `done`. While a prediction waits it also sends
 * `{"type":"queue","prediction_id","id","queue"}` (the prediction's `queue` object) on each change.
 */
export function openWsSession(conn: WsConnection, svc: PredictionService, hub: StreamHub, deps: GatewayDeps) {
  /** Each followed prediction, by id, and how to end its feed. */
  const subscriptions = new Map<string, AbortController>();
  let following = 0;
  let closed = false;
  const send = (msg: object) => conn.send(JSON.stringify(msg));

  const follow = async (stream: string, lastEventId: string | undefined) => {
    const m = /\/v1\/streams\/([a-z0-9]{26})\/([^/?#]+)$/.exec(new URL(stream).pathname);
    if (!m?.[1] || !m[2]) throw new AppError("BAD_REQUEST", "not a stream URL of this server");
    const id = m[1];
    const record = await streamTarget(svc, id, m[2]);
    const after = parseLastEventId(lastEventId);
    if (after === null) throw new AppError("BAD_REQUEST", "last_event_id must be an event id from this stream");
    // The connection may have closed while the lookup ran.
    if (closed || subscriptions.has(id)) return;
    const stop = new AbortController();
    subscriptions.set(id, stop);
    send({ type: "subscribed", prediction_id: id });
    try {
      const live = hub.live(record, after, { maxLag: MAX_READER_LAG, reader: "ws" });
      if (live) return await followLive(id, live, stop.signal);
      for await (const item of hub.follow(record, after, {
        signal: stop.signal,
        maxLag: MAX_READER_LAG,
        reader: "ws",
      })) {
        for (const text of messagesOf(id, item)) conn.send(text);
        if (tooSlow(item.seq, item.pending)) return;
      }
    } finally {
      if (subscriptions.get(id) === stop) subscriptions.delete(id);
    }
  };

  /** Past the lag or buffer limit, the connection is closed (the client resubscribes after `seq`). */
  const tooSlow = (seq: number, pending: number) => {
    if (conn.bufferedAmount() <= MAX_WS_BUFFERED_BYTES && pending <= MAX_READER_LAG) return false;
    conn.close(WS_TOO_SLOW, `reader too slow; resubscribe with last_event_id ${seq}`);
    close();
    return true;
  };

  /**
   * A live prediction's events, sent as its channel delivers them (what waits goes out once per
   * event-loop turn, after its I/O), without an async generator per event; resolves when the
   * subscription ends.
   */
  const followLive = (id: string, live: LiveReader, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const q = live.queue;
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        signal.removeEventListener("abort", end);
        live.leave();
        resolve();
      };
      const flush = () => {
        try {
          while (!ended) {
            const item = q.items.shift();
            if (!item) {
              if (q.closed) end();
              return;
            }
            for (const text of messagesOf(id, item)) conn.send(text);
            if (item.event.type === "done" || tooSlow(item.seq, q.items.length)) return end();
          }
        } catch (err) {
          // A send that throws ends this subscription, never the process.
          deps.log.warn("ws send failed", { err: String(err) });
          end();
        }
      };
      live.onEvents(flush);
      if (signal.aborted) return end();
      signal.addEventListener("abort", end, { once: true });
      flush();
    });

  const close = () => {
    closed = true;
    for (const stop of subscriptions.values()) stop.abort();
    subscriptions.clear();
  };

  return {
    onMessage(text: string) {
      let msg: z.infer<typeof ClientMessage>;
      try {
        msg = ClientMessage.parse(JSON.parse(text));
      } catch {
        send({
          type: "error",
          detail:
            'expected {"type":"subscribe","stream":"<urls.stream>"} or {"type":"unsubscribe","prediction_id":"…"}',
        });
        return;
      }
      if (msg.type === "unsubscribe") {
        subscriptions.get(msg.prediction_id)?.abort();
        subscriptions.delete(msg.prediction_id);
        return;
      }
      // Counted from the request, not from the subscription: a burst cannot pass the limit while
      // its lookups are in flight.
      if (following >= MAX_WS_SUBSCRIPTIONS) {
        send({
          type: "error",
          stream: msg.stream,
          detail: `a connection follows at most ${MAX_WS_SUBSCRIPTIONS} predictions at once`,
        });
        return;
      }
      following++;
      follow(msg.stream, msg.last_event_id)
        .finally(() => following--)
        .catch((err: unknown) => {
          const detail = err instanceof AppError ? err.message : "could not follow this stream";
          if (!(err instanceof AppError)) deps.log.warn("ws follow failed", { err: String(err) });
          send({ type: "error", stream: msg.stream, detail });
        });
    },
    onClose: close,
  };
}
