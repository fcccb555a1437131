import type { PredictionEvent } from "@gantry/contracts/events";

/** A webhook body from a Cog server: a snapshot of the prediction so far (Python or coglet shape). */
export interface CogSnapshot {
  status: string;
  output: unknown;
  logs: string;
  error: string | null;
  /** The model's own `record_metric` values, flattened (absent when it recorded none). */
  metrics?: Record<string, number>;
}

export function parseSnapshot(body: unknown): CogSnapshot | null {
  if (!body || typeof body !== "object") return null;
  const b = body as Record<string, unknown>;
  if (typeof b.status !== "string") return null;
  const metrics = userMetrics(b.metrics);
  return {
    status: b.status,
    output: b.output ?? null,
    logs: typeof b.logs === "string" ? b.logs : "",
    error: typeof b.error === "string" ? b.error : null,
    ...(Object.keys(metrics).length > 0 ? { metrics } : {}),
  };
}

/** Metrics the platform measures itself: a model's values for these are not shown. */
const PLATFORM_METRICS = new Set(["predict_time", "total_time"]);

/**
 * A model's `record_metric` values as the prediction contract holds them (numbers by name):
 * dotted names that Cog nests (`{"tokens":{"count":3}}`) are flattened back (`tokens.count`);
 * non-numbers (`append` mode's lists, strings) and the platform's own timings are dropped.
 */
export function userMetrics(raw: unknown, prefix = ""): Record<string, number> {
  const out: Record<string, number> = {};
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return out;
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const name = `${prefix}${key}`;
    if (typeof value === "number" && Number.isFinite(value)) {
      if (!PLATFORM_METRICS.has(name)) out[name] = value;
    } else if (value && typeof value === "object" && !Array.isArray(value)) {
      Object.assign(out, userMetrics(value, `${name}.`));
    }
  }
  return out;
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
