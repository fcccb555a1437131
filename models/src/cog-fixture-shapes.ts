/**
 * The JSON bodies of a real Cog server, rebuilt key for key from the captures in
 * cog-http-protocol.md: the Python/FastAPI server of cog v0.16.12 [tested there] and the Rust
 * coglet server [read from its source there]. Pure: every timestamp is passed in.
 */

export type FixtureMode = "python" | "coglet";
export type FixtureStatus = "processing" | "succeeded" | "failed" | "canceled";

export interface FixturePrediction {
  id: string;
  input: Record<string, unknown>;
  /** `null` until the predictor starts iterating (Python's `start` webhook has `output: null`). */
  output: string[] | null;
  logs: string;
  status: FixtureStatus;
  error?: string;
  startedAt: Date;
  completedAt?: Date;
  /** Seconds; set when the prediction ends. */
  predictTime?: number;
}

/** Python's `datetime.isoformat()` of an aware UTC time: microseconds and `+00:00`. */
export const pyTime = (d: Date) => `${d.toISOString().slice(0, 23)}000+00:00`;

const round6 = (s: number) => Math.round(s * 1e6) / 1e6;

/**
 * Python: the whole prediction object (the 202 of an async create, the 200 of a sync one, and a
 * repeated PUT of a running id): every key, unset ones as `null`; `metrics` only on success.
 */
export function pythonFull(p: FixturePrediction): Record<string, unknown> {
  return {
    input: p.input,
    output: p.output,
    id: p.id,
    version: null,
    created_at: null,
    started_at: pyTime(p.startedAt),
    completed_at: p.completedAt ? pyTime(p.completedAt) : null,
    logs: p.logs,
    error: p.error ?? null,
    status: p.status,
    metrics: p.status === "succeeded" && p.predictTime !== undefined ? { predict_time: round6(p.predictTime) } : null,
  };
}

/**
 * Python webhook body (`exclude_unset`): `version` never, `completed_at` only at the end, `error`
 * only on failure, `metrics` only on success.
 */
export function pythonWebhook(p: FixturePrediction): Record<string, unknown> {
  return {
    input: p.input,
    output: p.output,
    id: p.id,
    created_at: null,
    started_at: pyTime(p.startedAt),
    ...(p.completedAt ? { completed_at: pyTime(p.completedAt) } : {}),
    logs: p.logs,
    ...(p.error !== undefined ? { error: p.error } : {}),
    status: p.status,
    ...(p.status === "succeeded" && p.predictTime !== undefined
      ? { metrics: { predict_time: round6(p.predictTime) } }
      : {}),
  };
}

/**
 * coglet webhook snapshot: no `input`, `created_at`, `started_at` or `completed_at`; `output` and
 * `error` only when set; `metrics` always, with `predict_time` on every terminal status.
 */
export function cogletSnapshot(p: FixturePrediction): Record<string, unknown> {
  return {
    id: p.id,
    status: p.status,
    logs: p.logs,
    ...(p.output !== null ? { output: p.output } : {}),
    ...(p.error !== undefined ? { error: p.error } : {}),
    metrics: p.status !== "processing" && p.predictTime !== undefined ? { predict_time: round6(p.predictTime) } : {},
  };
}

/** coglet's 202 to an async create. */
export const cogletAccepted = (id: string) => ({ id, status: "starting" });

export const PYTHON_BUSY = { detail: "Already running a prediction" };
export const COGLET_BUSY = { error: "At capacity - all prediction slots busy", status: "failed" };
export const COGLET_NOT_READY = {
  error: "Setup has not finished yet. Wait until it has finished, or GET /health-check for status.",
  status: "failed",
};

export interface FixtureSetup {
  startedAt: Date;
  completedAt?: Date;
  logs: string;
  status: "starting" | "succeeded" | "failed";
}

/** Values for coglet's `version` object; this fixture is not a real coglet build. */
export const COGLET_VERSION = {
  coglet: "0.22.0",
  git_sha: "fixture",
  build_time: "2026-08-21T00:00:00Z",
  python_sdk: "0.22.0",
  python: "3.12.11",
};

/** `GET /health-check`: Python's `setup` is `{}` while starting; coglet's omits empty `logs`. */
export function healthBody(mode: FixtureMode, status: string, setup: FixtureSetup): Record<string, unknown> {
  if (mode === "python") {
    if (status === "STARTING") return { status, setup: {} };
    return {
      status,
      setup: {
        started_at: pyTime(setup.startedAt),
        completed_at: setup.completedAt ? pyTime(setup.completedAt) : null,
        logs: setup.logs,
        status: setup.status,
      },
    };
  }
  return {
    status,
    setup: {
      started_at: setup.startedAt.toISOString(),
      ...(setup.completedAt ? { completed_at: setup.completedAt.toISOString() } : {}),
      status: setup.status,
      ...(setup.logs ? { logs: setup.logs } : {}),
    },
    version: COGLET_VERSION,
  };
}

/** Python (pydantic 1) 422 for a missing or out-of-range input field. */
export function pythonInvalid(field: string, problem: "missing" | "not_ge", limit = 1): Record<string, unknown> {
  return problem === "missing"
    ? { detail: [{ loc: ["body", "input", field], msg: "field required", type: "value_error.missing" }] }
    : {
        detail: [
          {
            loc: ["body", "input", field],
            msg: `ensure this value is greater than or equal to ${limit}`,
            type: "value_error.number.not_ge",
            ctx: { limit_value: limit },
          },
        ],
      };
}

/** coglet 422: the same `loc`; pydantic-2-style texts (only `loc` is to be relied on). */
export function cogletInvalid(field: string, problem: "missing" | "not_ge", limit = 1): Record<string, unknown> {
  return problem === "missing"
    ? { detail: [{ loc: ["body", "input", field], msg: "Field required", type: "missing" }] }
    : {
        detail: [
          {
            loc: ["body", "input", field],
            msg: `Input should be greater than or equal to ${limit}`,
            type: "greater_than_equal",
          },
        ],
      };
}

/** `GET /` of cog v0.16 (coglet serves the same keys). */
export const DISCOVERY = {
  cog_version: "dev",
  docs_url: "/docs",
  openapi_url: "/openapi.json",
  shutdown_url: "/shutdown",
  healthcheck_url: "/health-check",
  predictions_url: "/predictions",
  predictions_idempotent_url: "/predictions/{prediction_id}",
  predictions_cancel_url: "/predictions/{prediction_id}/cancel",
};
