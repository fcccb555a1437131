import type { Logger } from "@gantry/platform/logger";
import type { FeedItem } from "./event-feed.ts";
import type { LiveReader } from "./stream-hub.ts";

/** What of Node's `ServerResponse` a live SSE reader is written with (duck-typed: the route is shared with workerd). */
export interface SocketResponse {
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: string): boolean;
  end(): unknown;
  destroy(): unknown;
  on(event: "drain" | "close", listener: () => void): unknown;
  readonly writableNeedDrain: boolean;
  readonly destroyed: boolean;
}

/** The Node response under a Hono context, when there is one (`@hono/node-server` passes it as `outgoing`). */
export function socketResponse(env: unknown): SocketResponse | null {
  const outgoing = (env as { outgoing?: Partial<SocketResponse> } | undefined)?.outgoing;
  return outgoing && typeof outgoing.writeHead === "function" && typeof outgoing.write === "function"
    ? (outgoing as SocketResponse)
    : null;
}

export interface LiveSseOptions {
  headers: Record<string, string>;
  /** Events a reader may have waiting before it is dropped (it resumes with `Last-Event-ID`). */
  maxLag: number;
  /** At most this many waiting events go out in one write (after the first). */
  maxBatch: number;
  keepAliveMs: number;
  /** The wire text of one event (the same for every reader: cache it). */
  frames: (item: FeedItem) => string;
  /** The frame that drops a reader `pending` events behind, resuming after `seq - 1`. */
  tooSlow: (seq: number, pending: number) => string;
  log: Logger;
}

/**
 * Streams a live prediction's events to one SSE reader by writing its socket directly: what its
 * queue holds goes out in one write per event-loop turn (after the turn's I/O), and a socket that cannot take more (its
 * buffer full) is written again on `drain`, while the queue grows up to the lag limit. This is the
 * Node gateway's path for the many readers of live predictions; the web `ReadableStream` path
 * (workerd, and streams that replay from JetStream) has the same frames and limits.
 */
export function streamLive(res: SocketResponse, reader: LiveReader, o: LiveSseOptions): void {
  const q = reader.queue;
  let ended = false;
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    ended = true;
    clearInterval(keepAlive);
    reader.leave();
  };
  const finish = () => {
    if (ended) return;
    stop();
    if (!res.destroyed) res.end();
  };
  /** Whatever goes wrong ends this reader alone: nothing here may reach the process. */
  const guarded = (step: () => void) => () => {
    try {
      step();
    } catch (err) {
      o.log.warn("SSE reader failed", { err: String(err) });
      stop();
      res.destroy();
    }
  };
  const flush = guarded(() => {
    while (!ended && !res.writableNeedDrain) {
      const waiting = q.items.length;
      if (waiting === 0) {
        if (q.closed) finish();
        return;
      }
      const first = q.items[0] as FeedItem;
      if (waiting - 1 > o.maxLag) {
        res.write(o.tooSlow(first.seq, waiting - 1));
        finish();
        return;
      }
      let text = "";
      let taken = 0;
      let done = false;
      for (const item of q.items) {
        if (taken > o.maxBatch) break;
        text += o.frames(item);
        taken++;
        if (item.event.type === "done") {
          done = true;
          break;
        }
      }
      q.items.splice(0, taken);
      res.write(text);
      if (done) finish();
    }
  });
  guarded(() => {
    res.on("close", finish);
    // Gone while the request was looked up: nothing to write.
    if (res.destroyed) return finish();
    res.writeHead(200, o.headers);
    res.write(": hi\n\n");
    keepAlive = setInterval(
      guarded(() => {
        if (!res.writableNeedDrain) res.write(": keep-alive\n\n");
      }),
      o.keepAliveMs,
    );
    res.on("drain", flush);
    reader.onEvents(flush);
    // What the channel replayed at attach.
    flush();
  })();
}
