import type { PredictionEvent } from "@gantry/contracts/events";

/** A webhook body from a Cog server: a snapshot of the prediction so far (Python or coglet shape). */
export interface CogSnapshot {
  status: string;
  output: unknown;
  logs: string;
  error: string | null;
}

export function parseSnapshot(body: unknown): CogSnapshot | null {
  if (!body || typeof body !== "object") return null;
  const b = body as Record<string, unknown>;
  if (typeof b.status !== "string") return null;
  return {
    status: b.status,
    output: b.output ?? null,
    logs: typeof b.logs === "string" ? b.logs : "",
    error: typeof b.error === "string" ? b.error : null,
  };
}

export interface Published {
  /** Output items already published (iterator outputs). */
  outputCount: number;
  /** Characters of log already published. */
  logsLength: number;
}

/**
 * Turns a snapshot into the events not yet published: new output items of a growing array, and
 * the new tail of the log. Snapshots can arrive out of order (Cog does not promise order), so a
 * snapshot that is behind what was published yields nothing.
 */
export function diffSnapshot(
  snap: CogSnapshot,
  published: Published,
  streamsOutput: boolean,
): { events: PredictionEvent[]; published: Published } {
  const events: PredictionEvent[] = [];
  let { outputCount, logsLength } = published;
  if (snap.logs.length > logsLength) {
    events.push({ type: "logs", data: snap.logs.slice(logsLength) });
    logsLength = snap.logs.length;
  }
  if (streamsOutput && Array.isArray(snap.output)) {
    for (let i = outputCount; i < snap.output.length; i++) {
      events.push({ type: "output", index: i, data: snap.output[i] });
    }
    outputCount = Math.max(outputCount, snap.output.length);
  }
  return { events, published: { outputCount, logsLength } };
}

export function isTerminalCogStatus(status: string): status is "succeeded" | "failed" | "canceled" {
  return status === "succeeded" || status === "failed" || status === "canceled";
}
