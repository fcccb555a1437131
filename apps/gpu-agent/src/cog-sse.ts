import type { Readable } from "node:stream";
import type { CogSnapshot } from "./core/snapshot.ts";
import { SseParser, SseSnapshots } from "./core/sse.ts";

/**
 * Reads a prediction's SSE stream from a coglet server (cog-http-protocol.md §2.5) and hands
 * each cumulative snapshot on, in order: one hop per token instead of one webhook per token.
 * Resolves to whether the stream carried the `completed` event before it ended.
 */
export async function followStream(events: Readable, onSnapshot: (snap: CogSnapshot) => void): Promise<boolean> {
  const parser = new SseParser();
  const snapshots = new SseSnapshots();
  try {
    for await (const chunk of events) {
      for (const ev of parser.push(String(chunk))) {
        const snap = snapshots.apply(ev);
        if (snap) onSnapshot(snap);
        if (snapshots.completed) return true;
      }
    }
  } catch {
    // the connection broke: what the stream said so far is all there is
  }
  return snapshots.completed;
}
