import { isTerminal, type PredictionRecord, PredictionStatus } from "@gantry/contracts/prediction";
import { REDACTED } from "@gantry/platform/render-prediction";
import { z } from "zod";

/** Where a prediction sits in the per-account index: key `<account>.<created ms>.<id>`. */
export interface IndexPosition {
  account: string;
  ms: number;
  id: string;
}

export function parseIndexKey(key: string): IndexPosition | null {
  // Trainings are indexed under `_training.<account>.…`: operators see them with the rest.
  const [account, ms, id, ...rest] = key.replace(/^_training\./, "").split(".");
  const t = Number(ms);
  if (!account || !id || rest.length > 0 || !Number.isFinite(t)) return null;
  return { account, ms: t, id };
}

/** `predictions.search` input. Times are ISO 8601; `createdAfter` is inclusive, `createdBefore` exclusive. */
export const PredictionSearch = z.object({
  account: z.string().min(1).optional(),
  /** `owner/name`. */
  model: z.string().min(1).optional(),
  status: z.array(PredictionStatus).optional(),
  createdAfter: z.iso.datetime({ offset: true }).optional(),
  createdBefore: z.iso.datetime({ offset: true }).optional(),
  limit: z.number().int().min(1).max(500).default(50),
  /** `nextCursor` of the previous page. */
  cursor: z
    .string()
    .regex(/^\d+\.[a-z0-9]+$/)
    .optional(),
});
export type PredictionSearch = z.infer<typeof PredictionSearch>;

export const cursorOf = (p: IndexPosition) => `${p.ms}.${p.id}`;

const newestFirst = (a: IndexPosition, b: IndexPosition) => b.ms - a.ms || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Index positions in the time window, newest first, after the cursor. */
export function selectPositions(positions: readonly IndexPosition[], q: PredictionSearch): IndexPosition[] {
  const after = q.createdAfter ? Date.parse(q.createdAfter) : null;
  const before = q.createdBefore ? Date.parse(q.createdBefore) : null;
  const [cursorMs, cursorId] = q.cursor ? q.cursor.split(".") : [];
  const cursor = cursorMs && cursorId ? { account: "", ms: Number(cursorMs), id: cursorId } : null;
  return positions
    .filter((p) => (after === null || p.ms >= after) && (before === null || p.ms < before))
    .filter((p) => (q.account ? p.account === q.account : true))
    .filter((p) => cursor === null || newestFirst(cursor, p) < 0)
    .sort(newestFirst);
}

/** The filters the index cannot answer: they need the record. */
export function matches(r: PredictionRecord, q: PredictionSearch): boolean {
  if (q.model && r.model !== q.model) return false;
  if (q.status && q.status.length > 0 && !q.status.includes(r.status)) return false;
  return true;
}

const elapsedMs = (from: string | null, to: string | null) =>
  from && to ? Math.max(0, Date.parse(to) - Date.parse(from)) : null;

/** One row of the predictions table. */
export interface PredictionSummary {
  id: string;
  account_id: string;
  model: string;
  version: string;
  status: PredictionStatus;
  hardware: string;
  source: string;
  deployment: string | null;
  agent_id: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  error: string | null;
  /** Seconds the model ran (what it is billed for), when known. */
  predict_time: number | null;
  /** Milliseconds between creation and start (time in the queue, plus a cold boot). */
  queue_ms: number | null;
  /** Milliseconds from creation to the end (or to `now` while it runs). */
  total_ms: number | null;
}

export function summarize(r: PredictionRecord, now: Date): PredictionSummary {
  return {
    id: r.id,
    account_id: r.account_id,
    model: r.model,
    version: r.version,
    status: r.status,
    hardware: r.hardware,
    source: r.source,
    deployment: r.deployment,
    agent_id: r.agent_id,
    created_at: r.created_at,
    started_at: r.started_at,
    completed_at: r.completed_at,
    error: r.error,
    predict_time: r.metrics.predict_time ?? null,
    queue_ms: elapsedMs(r.created_at, r.started_at ?? (isTerminal(r.status) ? null : now.toISOString())),
    total_ms: elapsedMs(r.created_at, r.completed_at ?? now.toISOString()),
  };
}

/** The inspected prediction: everything stored, with secret inputs redacted even for operators. */
export interface PredictionDetail extends PredictionSummary {
  input: Record<string, unknown>;
  output: unknown;
  logs: string;
  data_removed: boolean;
  deadline: string | null;
  webhook: string | null;
  metrics: Record<string, number>;
  streams: boolean;
}

export function detail(r: PredictionRecord, now: Date): PredictionDetail {
  const input = { ...r.input };
  for (const key of r.secret_fields) if (key in input) input[key] = REDACTED;
  return {
    ...summarize(r, now),
    input,
    output: r.output,
    logs: r.logs,
    data_removed: r.data_removed,
    deadline: r.deadline,
    webhook: r.webhook,
    metrics: Object.fromEntries(Object.entries(r.metrics).filter((e): e is [string, number] => e[1] !== undefined)),
    streams: r.streams,
  };
}
