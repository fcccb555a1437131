import { isTerminal, type PredictionQueue, type PredictionRecord } from "@gantry/contracts/prediction";

/** Everything that can happen to a stored prediction. */
export type Transition =
  | { type: "assign"; agentId: string; note?: string }
  /** Why a `starting` prediction waits (queued, booting): a line in its logs until it starts. */
  | { type: "note"; line: string }
  /**
   * Why a `starting` prediction still waits: its queue position and estimated start, or its cold
   * boot's phase; `line` (a wait note, or setup logs of the boot that serves it) goes into its logs.
   */
  | { type: "queue"; queue: PredictionQueue; line?: string }
  /** The model server accepted it; `agentId` records where it runs. */
  | { type: "start"; at: Date; agentId?: string }
  /** `startedAt`: when the model started, as the agent measured it (when its own start write was lost). */
  | { type: "progress"; at: Date; output: unknown; logs: string; startedAt?: Date | undefined }
  | {
      type: "complete";
      at: Date;
      status: "succeeded" | "failed" | "canceled";
      output: unknown;
      logs: string;
      error: string | null;
      /** Measured by the agent; it is what the prediction is billed for. */
      predictTimeS: number;
      /** When the model started, as the agent measured it: the start of `predictTimeS`. */
      startedAt?: Date | undefined;
      /** The agent that ran it (recorded here when its end came before its start was stored). */
      agentId?: string | undefined;
      /** The model's own `record_metric` values; the platform's timings win over same-named ones. */
      metrics?: Record<string, number> | undefined;
      /**
       * `Secret` inputs the model server's schema declares, besides the record's `secret_fields`:
       * once it has ended, the stored input keeps none of their values (Replicate's `**********`).
       */
      secretFields?: string[] | undefined;
    }
  | { type: "cancel"; at: Date }
  /** Its agent died before it started: it goes back to the queue, placed nowhere. */
  | { type: "unassign" }
  /**
   * Its agent died while it ran, before any output (a platform failure): it goes back to the
   * queue to run again from the start, `note` saying why.
   */
  | { type: "retry"; note: string }
  /** The retention window passed: input, output and logs go; the record stays. */
  | { type: "remove_data" }
  | { type: "abort"; at: Date };

const seconds = (from: string, to: Date) =>
  Math.max(0, Math.round(((to.getTime() - Date.parse(from)) / 1000) * 1000) / 1000);

/**
 * The prediction state machine, pure. Returns the next record, or `null` when the transition does
 * not apply (terminal states are final; a late progress snapshot never shrinks output or logs).
 */
export function applyTransition(record: PredictionRecord, t: Transition): PredictionRecord | null {
  const next = transitioned(record, t);
  // The queue extension describes a `starting` prediction only: it goes with the first other status.
  if (next?.queue && next.status !== "starting") {
    const { queue: _, ...rest } = next;
    return rest;
  }
  return next;
}

function transitioned(record: PredictionRecord, t: Transition): PredictionRecord | null {
  if (t.type === "remove_data") {
    if (!isTerminal(record.status) || record.data_removed) return null;
    return { ...record, input: {}, output: null, logs: "", data_removed: true };
  }
  if (isTerminal(record.status)) return null;
  switch (t.type) {
    case "retry": {
      if (record.status !== "processing" || hasOutput(record.output)) return null;
      const { progress_at: _, ...rest } = record;
      return {
        ...rest,
        status: "starting",
        started_at: null,
        agent_id: null,
        output: null,
        logs: `${record.logs}${record.logs && !record.logs.endsWith("\n") ? "\n" : ""}${t.note}\n`,
      };
    }
    case "unassign": {
      if (record.status !== "starting" || record.agent_id === null) return null;
      // Back to the queue: the boot it waited for is gone, and the scheduler says anew why it waits.
      const { queue: _, ...rest } = record;
      return { ...rest, agent_id: null };
    }
    case "assign":
      if (record.agent_id === t.agentId) return null;
      return { ...record, agent_id: t.agentId, logs: t.note ? withNote(record, t.note) : record.logs };
    case "note":
      return record.status === "starting" && !record.logs.endsWith(`${t.line}\n`)
        ? { ...record, logs: withNote(record, t.line) }
        : null;
    case "queue": {
      if (record.status !== "starting") return null;
      // A late queue note of the scheduler's must not overwrite the boot phase of the agent that has it.
      if (t.queue.phase === "waiting_for_slot" && record.agent_id !== null) return null;
      const line = t.line && !record.logs.endsWith(`${t.line}\n`) ? t.line : undefined;
      if (!line && sameQueue(record.queue, t.queue)) return null;
      return { ...record, queue: t.queue, logs: line ? withNote(record, line) : record.logs };
    }
    case "start":
      if (record.status !== "starting") return null;
      return {
        ...record,
        status: "processing",
        // Wait notes end here: from now on the logs are the model's own.
        logs: "",
        started_at: t.at.toISOString(),
        progress_at: t.at.toISOString(),
        agent_id: t.agentId ?? record.agent_id,
      };
    case "progress": {
      const started =
        record.status === "starting"
          ? { status: "processing" as const, started_at: (t.startedAt ?? t.at).toISOString() }
          : {};
      const logs = record.status === "starting" || t.logs.length >= record.logs.length ? t.logs : record.logs;
      const output = longer(t.output, record.output) ? t.output : record.output;
      if (!("status" in started) && logs === record.logs && output === record.output) return null;
      const progressAt = later(t.at, record.progress_at);
      return { ...record, ...started, logs, output, progress_at: progressAt };
    }
    case "complete": {
      const startedAt = record.started_at ?? (t.startedAt ?? t.at).toISOString();
      return {
        ...record,
        input: redactedInput(record, t.secretFields ?? []),
        status: t.status,
        output: t.output,
        logs: t.logs,
        error: t.error,
        started_at: startedAt,
        agent_id: record.agent_id ?? t.agentId ?? null,
        completed_at: t.at.toISOString(),
        metrics: {
          ...record.metrics,
          ...t.metrics,
          predict_time: t.predictTimeS,
          total_time: seconds(record.created_at, t.at),
        },
      };
    }
    case "cancel":
      return {
        ...record,
        input: redactedInput(record, []),
        status: "canceled",
        completed_at: t.at.toISOString(),
        metrics: {
          ...record.metrics,
          predict_time: record.started_at ? seconds(record.started_at, t.at) : 0,
          total_time: seconds(record.created_at, t.at),
        },
      };
    case "abort":
      if (record.status !== "starting") return null;
      return {
        ...record,
        input: redactedInput(record, []),
        status: "aborted",
        completed_at: t.at.toISOString(),
        metrics: { ...record.metrics, predict_time: 0, total_time: seconds(record.created_at, t.at) },
      };
  }
}

function sameQueue(a: PredictionQueue | undefined, b: PredictionQueue): boolean {
  return (
    a !== undefined &&
    a.phase === b.phase &&
    a.position === b.position &&
    a.estimated_start_at === b.estimated_start_at &&
    a.phase_started_at === b.phase_started_at
  );
}

/** Whether a prediction has produced output yet (an iterator's empty list counts as none). */
export function hasOutput(output: unknown): boolean {
  if (output === null || output === undefined || output === "") return false;
  return !(Array.isArray(output) && output.length === 0);
}

/** How Replicate shows a secret input. */
export const REDACTED_INPUT = "**********";

/** The input with the values of its secret fields replaced: an ended prediction needs them no more. */
function redactedInput(record: PredictionRecord, extra: string[]): PredictionRecord["input"] {
  const names = [...record.secret_fields, ...extra].filter((n) => n in record.input);
  if (names.length === 0) return record.input;
  const input = { ...record.input };
  for (const name of names) if (input[name] !== null && input[name] !== undefined) input[name] = REDACTED_INPUT;
  return input;
}

function withNote(record: PredictionRecord, line: string): string {
  return record.status === "starting" ? `${record.logs}${line}\n` : record.logs;
}

/** The later of a progress time and the one stored (snapshots can be stored out of order). */
function later(at: Date, stored: string | undefined): string {
  return stored !== undefined && Date.parse(stored) > at.getTime() ? stored : at.toISOString();
}

function longer(next: unknown, prev: unknown): boolean {
  if (Array.isArray(next)) return !Array.isArray(prev) || next.length > prev.length;
  // A scalar output only appears once; a later snapshot never replaces it.
  return next !== undefined && next !== null && (prev === undefined || prev === null);
}
