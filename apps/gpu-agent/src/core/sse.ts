import { type CogSnapshot, parseSnapshot, userMetrics } from "./snapshot.ts";

/** One server-sent event: its `event:` name (default `message`) and its `data:` lines joined. */
export interface SseEvent {
  event: string;
  data: string;
}

/** Splits a `text/event-stream` into events as its chunks arrive (comments and ids ignored). */
export class SseParser {
  #buffer = "";

  push(chunk: string): SseEvent[] {
    this.#buffer += chunk.replace(/\r\n?/g, "\n");
    const events: SseEvent[] = [];
    for (let end = this.#buffer.indexOf("\n\n"); end >= 0; end = this.#buffer.indexOf("\n\n")) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon >= 0 ? line.slice(0, colon) : line;
        const value = colon >= 0 ? line.slice(colon + 1).replace(/^ /, "") : "";
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
      if (data.length > 0) events.push({ event, data: data.join("\n") });
    }
    return events;
  }
}

/**
 * Turns coglet's SSE events (cog-http-protocol.md §2.5: `start`, `output` `{chunk,index}`, `log`
 * `{source,data}` deltas, `metric` `{name,value,mode}`, `completed`) into the cumulative snapshots
 * a webhook would carry, so one path stores both. `null`: nothing new to show.
 */
export class SseSnapshots {
  readonly #output: unknown[] = [];
  #logs = "";
  readonly #metrics: Record<string, unknown> = {};
  #completed = false;

  get completed(): boolean {
    return this.#completed;
  }

  apply(ev: SseEvent): CogSnapshot | null {
    let data: unknown;
    try {
      data = JSON.parse(ev.data);
    } catch {
      return null;
    }
    const d = (data && typeof data === "object" ? data : {}) as Record<string, unknown>;
    switch (ev.event) {
      case "start":
        return this.#snapshot();
      case "output":
        if (typeof d.index !== "number" || !("chunk" in d)) return null;
        this.#output[d.index] = d.chunk;
        return this.#snapshot();
      case "log":
        if (typeof d.data !== "string") return null;
        this.#logs += d.data;
        return this.#snapshot();
      case "metric":
        if (typeof d.name === "string") recordMetric(this.#metrics, d.name, d.value, d.mode);
        return null;
      case "completed": {
        const snap = parseSnapshot(data);
        if (!snap) return null;
        this.#completed = true;
        // The final snapshot is whole; what the stream said fills in what it leaves out.
        const metrics = { ...userMetrics(this.#metrics), ...snap.metrics };
        return {
          ...snap,
          output: snap.output ?? (this.#output.length > 0 ? [...this.#output] : null),
          logs: snap.logs || this.#logs,
          ...(Object.keys(metrics).length > 0 ? { metrics } : {}),
        };
      }
      default:
        return null;
    }
  }

  #snapshot(): CogSnapshot {
    const metrics = userMetrics(this.#metrics);
    return {
      status: "processing",
      output: [...this.#output],
      logs: this.#logs,
      error: null,
      ...(Object.keys(metrics).length > 0 ? { metrics } : {}),
    };
  }
}

/** Cog's `record_metric` modes on a nested metrics object (dotted names nest). */
function recordMetric(into: Record<string, unknown>, name: string, value: unknown, mode: unknown): void {
  const parts = name.split(".");
  const last = parts.pop() ?? name;
  let at = into;
  for (const part of parts) {
    const next = at[part];
    if (next && typeof next === "object" && !Array.isArray(next)) {
      at = next as Record<string, unknown>;
    } else {
      const fresh: Record<string, unknown> = {};
      at[part] = fresh;
      at = fresh;
    }
  }
  const prev = at[last];
  if (mode === "increment" && typeof prev === "number" && typeof value === "number") at[last] = prev + value;
  else if (mode === "append") at[last] = [...(Array.isArray(prev) ? prev : []), value];
  else at[last] = value;
}
