import type { PredictionEvent } from "@gantry/contracts/events";

/** One server-sent event as Replicate sends it (reference §5.2). */
export interface SseFrame {
  event: "output" | "logs" | "error" | "done";
  data: string;
  id: string;
}

/**
 * The SSE frames for one stored event. Output items that are not strings (file URLs are, objects
 * are not) are sent as JSON. A failed prediction ends with `error` then `done {"reason":"error"}`.
 * Why a prediction waits (`queue`) is sent as the `logs` line it added: Replicate's clients know
 * only its four events (Python's and Go's reject others), so SSE carries no event of its own.
 */
export function sseFrames(event: PredictionEvent, id: string): SseFrame[] {
  switch (event.type) {
    case "output":
      return [{ event: "output", data: typeof event.data === "string" ? event.data : JSON.stringify(event.data), id }];
    case "logs":
      return [{ event: "logs", data: event.data, id }];
    case "queue":
      return event.line ? [{ event: "logs", data: `${event.line}\n`, id }] : [];
    case "done":
      if (event.status === "failed") {
        return [
          { event: "error", data: JSON.stringify({ detail: event.error ?? "Prediction failed" }), id },
          { event: "done", data: JSON.stringify({ reason: "error" }), id },
        ];
      }
      if (event.status === "canceled" || event.status === "aborted") {
        return [{ event: "done", data: JSON.stringify({ reason: "canceled" }), id }];
      }
      return [{ event: "done", data: "{}", id }];
  }
}

/**
 * Wire text of a frame: `event:`, one `data:` line per line of data (clients join them with
 * `\n`), then `id:`. Every event carries an id and at least one data line.
 */
export function formatSse(frame: SseFrame): string {
  const data = frame.data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}`)
    .join("\n");
  return `event: ${frame.event}\n${data}\nid: ${frame.id}\n\n`;
}

/** `Last-Event-ID` (header or query) → the stream sequence to resume after; 0 = from the start. */
export function parseLastEventId(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value === "") return 0;
  return /^\d{1,15}$/.test(value) ? Number(value) : null;
}
