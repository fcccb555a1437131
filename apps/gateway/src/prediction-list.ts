import { AppError } from "@gantry/contracts/errors";
import type { PredictionRecord } from "@gantry/contracts/prediction";
import { listKeys } from "@gantry/platform/kv-keys";
import type { PredictionStore } from "@gantry/platform/prediction-store";
import type { KV } from "@nats-io/kv";
import { decodeCursor, type Page, paginate } from "./core/pagination.ts";
import type { RecordKind } from "./prediction-service.ts";

/**
 * The per-account index of predictions: one key per prediction, `<account>.<created ms>.<id>`,
 * so that one account's list is a key scan of that account alone, already carrying the order.
 * Trainings are indexed apart, under `_training.` (no account id has an underscore).
 */
export const indexKey = (accountId: string, createdAt: string, id: string, kind: RecordKind = "prediction") =>
  `${prefixOf(kind)}${accountId}.${Date.parse(createdAt)}.${id}`;

const prefixOf = (kind: RecordKind) => (kind === "training" ? "_training." : "");

export interface ListQuery {
  cursor?: string | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
}

function parseTime(name: string, value: string | undefined): number | null {
  if (value === undefined || value === "") return null;
  const t = Date.parse(value);
  if (Number.isNaN(t)) {
    throw new AppError("BAD_REQUEST", `${name} must be an ISO 8601 date-time, e.g. 2026-01-01T00:00:00Z.`, {
      title: "Invalid query parameter",
    });
  }
  return t;
}

/**
 * One page of the account's predictions, newest first; `created_after` is inclusive and
 * `created_before` exclusive (reference §3.4).
 */
export async function listPredictions(
  index: KV,
  store: PredictionStore,
  accountId: string,
  q: ListQuery,
  urlFor: (cursor: string) => string,
  kind: RecordKind = "prediction",
): Promise<Page<PredictionRecord>> {
  const after = parseTime("created_after", q.createdAfter);
  const before = parseTime("created_before", q.createdBefore);
  if (q.cursor) decodeCursor(q.cursor);
  const positions: { t: string; id: string }[] = [];
  const prefix = prefixOf(kind);
  for (const key of await listKeys(index, `${prefix}${accountId}.*.*`)) {
    const [, ms = "", id = ""] = key.slice(prefix.length).split(".");
    const t = Number(ms);
    if (after !== null && t < after) continue;
    if (before !== null && t >= before) continue;
    positions.push({ t: new Date(t).toISOString(), id });
  }
  const page = paginate(positions, q.cursor, urlFor);
  const records = await Promise.all(page.results.map((p) => store.get(p.id)));
  return { ...page, results: records.flatMap((r) => (r ? [r.record] : [])) };
}
