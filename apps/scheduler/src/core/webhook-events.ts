import { isTerminal, type PredictionRecord, type WebhookEventType } from "@gantry/contracts/prediction";

/** What was last sent for a prediction, to tell what is new. */
export interface SentState {
  started: boolean;
  outputCount: number;
  logsLength: number;
}

/** Without a filter, Replicate sends a webhook for new output and at the end (reference §6.1). */
export const DEFAULT_FILTER: readonly WebhookEventType[] = ["output", "completed"];

/** At most one `output`/`logs` webhook per prediction in this many milliseconds. */
export const THROTTLE_MS = 500;

const outputCount = (output: unknown) => (Array.isArray(output) ? output.length : output == null ? 0 : 1);

/**
 * The non-terminal events a changed record brings, among those the filter allows: `start` when
 * it began processing, `output` when its output grew, `logs` when its log grew (wait notes of a
 * `starting` prediction are not its log). (`completed` is
 * delivered on its own durable path.)
 */
export function newEvents(
  sent: SentState,
  record: PredictionRecord,
  filter: readonly WebhookEventType[] | null,
): WebhookEventType[] {
  if (isTerminal(record.status)) return [];
  const allow = new Set(filter ?? DEFAULT_FILTER);
  const events: WebhookEventType[] = [];
  if (!sent.started && record.status === "processing" && allow.has("start")) events.push("start");
  if (outputCount(record.output) > sent.outputCount && allow.has("output")) events.push("output");
  // A `starting` prediction's logs are wait notes (queued, booting), not the model's: no webhook.
  if (record.status !== "starting" && record.logs.length > sent.logsLength && allow.has("logs")) events.push("logs");
  return events;
}

export function sentStateOf(record: PredictionRecord): SentState {
  return {
    started: record.status !== "starting",
    outputCount: outputCount(record.output),
    logsLength: record.status === "starting" ? 0 : record.logs.length,
  };
}

/** Backoff before retry `attempt` (1-based) of a terminal webhook: 1, 2, 4 … 32 s (≈ 1 min in all). */
export const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 16_000, 32_000];
