export interface SseEvent {
  event: string;
  data: string;
  id: string;
}

/**
 * Reads server-sent events from a response body (the WHATWG parsing rules we rely on: `event`,
 * `id`, one or more `data` lines joined with `\n`, comments ignored). Stops after `max` events
 * when given, and cancels the body: a cut connection.
 */
export async function readSse(res: Response, max = Number.POSITIVE_INFINITY): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return events;
      buffer += value;
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const ev: SseEvent = { event: "message", data: "", id: "" };
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          const i = line.indexOf(":");
          const field = i < 0 ? line : line.slice(0, i);
          const val = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
          if (field === "event") ev.event = val;
          else if (field === "id") ev.id = val;
          else if (field === "data") data.push(val);
        }
        if (data.length > 0) {
          ev.data = data.join("\n");
          events.push(ev);
          if (events.length >= max) return events;
        }
        end = buffer.indexOf("\n\n");
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
