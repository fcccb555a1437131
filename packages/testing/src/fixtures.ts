import type { WorkItem } from "@gantry/contracts/jobs";
import type { PredictionRecord } from "@gantry/contracts/prediction";

/**
 * A stored prediction as the gateway creates it (`starting`, nothing run yet), for tests and
 * benchmarks that write records directly: pass what matters to the test, the rest is neutral.
 */
export function predictionRecord(
  overrides: Partial<PredictionRecord> & Pick<PredictionRecord, "id">,
): PredictionRecord {
  return {
    account_id: "acct",
    model: "gantry/test",
    version: "c".repeat(64),
    streams: true,
    hardware: "cpu",
    deployment: null,
    source: "api",
    input: {},
    output: null,
    logs: "",
    error: null,
    status: "starting",
    data_removed: false,
    created_at: new Date().toISOString(),
    started_at: null,
    completed_at: null,
    deadline: null,
    webhook: null,
    webhook_events_filter: null,
    metrics: {},
    agent_id: null,
    stream_token: null,
    secret_fields: [],
    ...overrides,
  };
}

/** The work item the gateway queues for a record. */
export function workItemOf(r: PredictionRecord): WorkItem {
  return {
    prediction_id: r.id,
    account_id: r.account_id,
    model: r.model,
    version_id: r.version,
    hardware: r.hardware,
    streams: r.streams,
    input: r.input,
    deadline: r.deadline,
    enqueued_at: r.created_at,
    deployment: r.deployment,
    billing: r.deployment ? "uptime" : "predict",
  };
}
