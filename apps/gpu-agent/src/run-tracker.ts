import { setTimeout as sleep } from "node:timers/promises";
import { PredictionEvent } from "@gantry/contracts/events";
import type { ModelPrice } from "@gantry/contracts/models";
import { isTerminal, type PredictionQueue } from "@gantry/contracts/prediction";
import { subjects } from "@gantry/contracts/subjects";
import { type OutputUnits, type PredictUsage, usageMsgId } from "@gantry/contracts/usage";
import { encode } from "@gantry/platform/codec";
import type { Logger } from "@gantry/platform/logger";
import type { Transition } from "@gantry/platform/prediction-machine";
import type { PredictionStore, StoredPrediction } from "@gantry/platform/prediction-store";
import type { JetStreamClient } from "@nats-io/jetstream";
import { capError, capLogs, oversizedOutputJson } from "./core/record-caps.ts";
import { type CogSnapshot, diffSnapshot, isTerminalCogStatus, type Published } from "./core/snapshot.ts";

export interface RunContext {
  predictionId: string;
  accountId: string;
  model: string;
  versionId: string;
  agentId: string;
  hardware: string;
  streams: boolean;
  /** How the instance it runs on is billed, and the deployment it came through. */
  billing: "predict" | "uptime";
  deployment: string | null;
  /** The model's per-output price (the usage then carries the units it produced). */
  price?: ModelPrice | undefined;
  store: PredictionStore;
  js: JetStreamClient;
  log: Logger;
  now: () => Date;
  /** How often, at most, progress is written to the stored record. */
  progressIntervalMs: number;
  /** Turns file outputs (`data:` URLs) into stored files' URLs; without it output is kept as sent. */
  files?: { replace(output: unknown): Promise<unknown>; readonly count?: number };
  /** For a training: what makes its version (see {@link TrainingHooks}). */
  training?: TrainingHooks;
  onDone?: () => void;
  /** Between the terminal write and the usage report (a test's crash point); nothing in production. */
  afterTerminalWrite?: () => void;
}

/**
 * How long after the model server accepted a prediction its start (`processing`) is stored. A
 * prediction that ends sooner is stored once, at its end (the record goes from `starting` to its
 * end, with `started_at` set): one KV write instead of two on a fast prediction's path.
 */
export const START_WRITE_DELAY_MS = 20;

/** The longest pause between two tries of a write that must be stored (the end, its usage). */
const MAX_RETRY_MS = 5000;

/**
 * A training's version is made from the trainer's final output before the training is stored as
 * succeeded (`prepare`, which returns the output to show), and published only once that write won
 * (`publish`); when it lost (a cancel came first) it is taken back (`discard`).
 */
export interface TrainingHooks {
  prepare(output: unknown): Promise<unknown>;
  publish(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * Follows one prediction on a model server: turns Cog webhook snapshots into stream events
 * (token deltas, log deltas) and stored transitions, and reports usage once at the end.
 * Snapshots are handled one at a time, in arrival order.
 */
export class RunTracker {
  readonly #c: RunContext;
  #published: Published = { outputCount: 0, logsLength: 0 };
  #eventSeq = 0;
  #chain: Promise<void> = Promise.resolve();
  #startedAt: Date | null = null;
  #lastProgress = 0;
  /** The model's `record_metric` values, as its latest snapshot had them. */
  #metrics: Record<string, number> | undefined;
  /** `Secret` inputs its model server's schema declares: the stored input keeps none once it ends. */
  #secretFields: string[] = [];
  #done = false;
  /** The start is not stored yet (see {@link started}). */
  #startPending = false;
  #startTimer: ReturnType<typeof setTimeout> | undefined;
  #onEnded: (() => void) | undefined;
  /** This tracker's own write ended the prediction `succeeded`. */
  #succeeded = false;
  /** What this tracker last stored: its CAS writes need no read while nobody else writes. */
  #known: StoredPrediction | undefined;
  /**
   * Opens once the start is queued. A fast model's webhooks can arrive before the agent has read
   * the 202 of its PUT; they wait here so the start is always stored first.
   */
  #open!: () => void;
  readonly #gate = new Promise<void>((resolve) => {
    this.#open = resolve;
  });

  constructor(context: RunContext) {
    this.#c = context;
  }

  get agentId(): string {
    return this.#c.agentId;
  }

  get done(): boolean {
    return this.#done;
  }

  /** Names the inputs whose values the terminal write replaces by `**********`. */
  redactInputs(names: readonly string[]): void {
    this.#secretFields = [...names];
  }

  /** The prediction is placed here but must wait (`note` says why): record which agent has it. */
  assigned(note?: string): Promise<void> {
    return this.#enqueue(async () => {
      await this.#store({ type: "assign", agentId: this.#c.agentId, ...(note ? { note } : {}) });
    });
  }

  /** The prediction still waits for its boot: where that boot is, and the setup logs it gained. */
  waiting(queue: PredictionQueue, line?: string): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#startedAt || this.#done) return;
      await this.#store({ type: "queue", queue, ...(line ? { line } : {}) });
    });
  }

  /**
   * The model server accepted the prediction: predict time starts when the request was sent
   * (`sentAt`; now when not given). The start (`processing`) is stored {@link START_WRITE_DELAY_MS}
   * later, or with the first progress, or not at all when the end comes first: a fast prediction
   * is stored once, at its end. When that write finds the prediction already ended (canceled
   * before it started), `onEnded` is called: the caller stops it on the server.
   */
  started(sentAt?: Date, onEnded?: () => void): void {
    const at = sentAt ?? this.#c.now();
    this.#startedAt = at;
    this.#lastProgress = at.getTime();
    this.#startPending = true;
    this.#onEnded = onEnded;
    this.#startTimer = setTimeout(() => void this.#enqueue(() => this.#storeStart()), START_WRITE_DELAY_MS);
    this.#open();
  }

  /** Stores the pending start, once; a no-op when it is stored already or the end took its place. */
  async #storeStart(): Promise<void> {
    if (!this.#startPending || this.#done) return;
    this.#startPending = false;
    clearTimeout(this.#startTimer);
    await this.#store({ type: "start", at: this.#startedAt ?? this.#c.now(), agentId: this.#c.agentId });
    if (this.#known?.record.status !== "processing") this.#onEnded?.();
  }

  /** The stored record, read ahead (while the model server gets the request): the first write needs no read. */
  prefetch(): void {
    if (this.#known) return;
    this.#c.store.get(this.#c.predictionId).then(
      (stored) => {
        if (stored && !this.#known) this.#known = stored;
      },
      () => {},
    );
  }

  snapshot(snap: CogSnapshot): Promise<void> {
    // The model's time ends when its terminal snapshot arrives, not when the agent gets to store
    // it (a slow or unreachable NATS would otherwise bill its timeouts).
    const receivedAt = this.#c.now();
    return this.#gate.then(() =>
      this.#enqueue(async () => {
        if (this.#done) return;
        if (snap.metrics) this.#metrics = { ...this.#metrics, ...snap.metrics };
        let output: unknown = snap.output;
        const training = snap.status === "succeeded" ? this.#c.training : undefined;
        if (training) {
          try {
            output = await training.prepare(output);
          } catch (err) {
            const why = err instanceof Error ? err.message : String(err);
            await this.#finish(
              "failed",
              null,
              snap.logs,
              `The trained version could not be created: ${why}`,
              receivedAt,
            );
            return;
          }
          // Whatever happens next, the version is published only if this training's success is stored.
          try {
            await this.#settle(snap, output, receivedAt);
          } finally {
            await (this.#succeeded ? training.publish() : training.discard());
          }
          return;
        }
        await this.#settle(snap, output, receivedAt);
      }),
    );
  }

  /** A snapshot with its output as prepared: files stored, events published, progress or the end stored. */
  async #settle(snap: CogSnapshot, prepared: unknown, receivedAt: Date): Promise<void> {
    let output: unknown;
    try {
      output = this.#c.files ? await this.#c.files.replace(prepared) : prepared;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      await this.#finish("failed", null, snap.logs, `Could not store an output file: ${why}`, receivedAt);
      return;
    }
    const stored: CogSnapshot = { ...snap, output };
    const diff = diffSnapshot(stored, this.#published, this.#c.streams);
    this.#published = diff.published;
    // Sent in order on one connection, so the stream keeps their order (and `done`, which the
    // terminal write publishes later, comes after them); their acknowledgements are awaited after
    // the write rather than one by one before it. A lost event costs a stream reader a gap; it
    // must never keep the prediction from ending.
    const published = Promise.all(
      diff.events.map((ev) =>
        this.#publish(ev).catch((err: unknown) =>
          this.#c.log.warn("stream event not published", { prediction_id: this.#c.predictionId, err: String(err) }),
        ),
      ),
    );
    if (isTerminalCogStatus(stored.status)) {
      await this.#finish(stored.status, stored.output, stored.logs, stored.error, receivedAt);
      await published;
      return;
    }
    await published;
    await this.#storeStart();
    const now = this.#c.now();
    if (now.getTime() - this.#lastProgress >= this.#c.progressIntervalMs) {
      this.#lastProgress = now.getTime();
      // An output too large for the record is stored as a file at the end; until then the record
      // keeps what it had.
      const output = oversizedOutputJson(stored.output) === null ? stored.output : null;
      await this.#store({
        type: "progress",
        at: now,
        output,
        logs: capLogs(stored.logs),
        startedAt: this.#startedAt ?? undefined,
      });
    }
  }

  /** The `Cancel-After` deadline passed while it ran: it is canceled (the model is told next). */
  deadlineReached(): Promise<void> {
    return this.#enqueue(async () => {
      await this.#store({ type: "cancel", at: this.#c.now() });
    });
  }

  /** The run ended without a terminal snapshot (crash, timeout, setup failure). */
  fail(error: string): Promise<void> {
    return this.#end("failed", error);
  }

  /** Canceled before the model server had it: ends `canceled` with what was stored so far. */
  canceled(): Promise<void> {
    return this.#end("canceled", null);
  }

  #end(status: "failed" | "canceled", error: string | null): Promise<void> {
    this.#open();
    return this.#enqueue(async () => {
      if (this.#done) return;
      const current = this.#known ?? (await this.#c.store.get(this.#c.predictionId)) ?? undefined;
      await this.#finish(status, current?.record.output ?? null, current?.record.logs ?? "", error);
    });
  }

  /**
   * Stores the end and reports usage; true when this write ended it (nobody ended it first). Both
   * are retried until stored: a prediction is never left `processing` by a write that failed, and
   * a crash between the two is repaired by the reaper (it re-sends the usage of an ended
   * prediction under the same message id, which the usage stream drops when it has it already).
   */
  async #finish(
    status: "succeeded" | "failed" | "canceled",
    output: unknown,
    logs: string,
    error: string | null,
    endedAt?: Date,
  ): Promise<boolean> {
    this.#done = true;
    // The end takes the place of a start not stored yet.
    this.#startPending = false;
    clearTimeout(this.#startTimer);
    // An instant model's end can arrive before its start was stored: it ends no earlier than it started.
    let at = endedAt ?? this.#c.now();
    if (this.#startedAt && at < this.#startedAt) at = this.#startedAt;
    let predictMs = this.#startedAt ? Math.max(0, at.getTime() - this.#startedAt.getTime()) : 0;
    const fitting = await this.#fit(output, error);
    let complete: Extract<Transition, { type: "complete" }> = {
      type: "complete",
      at,
      status,
      output: fitting.output,
      logs: capLogs(logs),
      error: status === "failed" ? capError(fitting.error ?? "prediction failed") : null,
      predictTimeS: predictMs / 1000,
      startedAt: this.#startedAt ?? undefined,
      agentId: this.#c.agentId,
      metrics: this.#metrics,
      ...(this.#secretFields.length > 0 ? { secretFields: this.#secretFields } : {}),
    };
    // The store ends the event stream (`done`) with the terminal write.
    const wrote = await this.#untilStored("terminal write", async () => {
      try {
        return await this.#store(complete);
      } catch (err) {
        // Still too large (its input takes the room): it ends failed, without what does not fit.
        if (!String(err).includes("max_payload")) throw err;
        complete = {
          ...complete,
          status: "failed",
          output: null,
          logs: "",
          error: "The prediction's result was too large to store with it.",
        };
        return this.#store(complete);
      }
    });
    this.#succeeded = wrote && status === "succeeded";
    if (wrote) this.#c.afterTerminalWrite?.();
    // Ended first by someone else (a user's cancel, the deadline): the prediction shows the
    // predict time of that ending, and it is what is billed.
    const shown = this.#known?.record;
    if (!wrote && shown && typeof shown.metrics.predict_time === "number") {
      predictMs = Math.round(shown.metrics.predict_time * 1000);
    }
    const usage: PredictUsage = {
      kind: "predict",
      prediction_id: this.#c.predictionId,
      account_id: this.#c.accountId,
      model: this.#c.model,
      version_id: this.#c.versionId,
      agent_id: this.#c.agentId,
      hardware: this.#c.hardware,
      predict_ms: predictMs,
      at: at.toISOString(),
      billing: this.#c.billing,
      deployment: this.#c.deployment,
      status: !wrote && shown && isTerminal(shown.status) ? (shown.status as typeof status) : status,
      ...(this.#c.price ? { price: this.#c.price, units: this.#units(output) } : {}),
    };
    await this.#untilStored("usage report", () =>
      this.#c.js.publish(subjects.usage("predict", this.#c.agentId), encode(usage), { msgID: usageMsgId(usage) }),
    );
    this.#c.onDone?.();
    return wrote;
  }

  /**
   * An output too large for the record goes to a file (the record holds its URL); without a file
   * store, or when storing fails, the prediction fails with an error that says why.
   */
  async #fit(output: unknown, error: string | null): Promise<{ output: unknown; error: string | null }> {
    const json = oversizedOutputJson(output);
    if (json === null) return { output, error };
    const why = `The output (${json.length} characters of JSON) is too large to keep in the prediction`;
    if (!this.#c.files) return { output: null, error: error ?? `${why}.` };
    try {
      const dataUrl = `data:application/json;base64,${Buffer.from(json).toString("base64")}`;
      return { output: await this.#c.files.replace(dataUrl), error };
    } catch (err) {
      return { output: null, error: error ?? `${why}, and storing it as a file failed: ${String(err)}` };
    }
  }

  /**
   * What the prediction produced, for a per-output price: tokens as the model counted them
   * (`record_metric` `output_token_count`, `input_token_count`), else its output items; files stored.
   */
  #units(output: unknown): OutputUnits {
    const m = this.#metrics ?? {};
    const whole = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined);
    const input = whole(m.input_token_count);
    return {
      output_tokens: whole(m.output_token_count) ?? (Array.isArray(output) ? output.length : 0),
      ...(input !== undefined ? { input_tokens: input } : {}),
      output_files: this.#c.files?.count ?? 0,
    };
  }

  /** Runs `write` until it succeeds, with a growing pause between tries (NATS away, a timeout). */
  async #untilStored<T>(what: string, write: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await write();
      } catch (err) {
        const pause = Math.min(MAX_RETRY_MS, 100 * 2 ** attempt);
        this.#c.log.warn(`${what} failed; retrying`, {
          prediction_id: this.#c.predictionId,
          attempt,
          retry_in_ms: pause,
          err: String(err),
        });
        await sleep(pause);
      }
    }
  }

  /** Applies a transition; true when it changed the stored record. */
  async #store(t: Transition): Promise<boolean> {
    const result = await this.#c.store.transition(this.#c.predictionId, t, this.#known);
    this.#known = result ?? undefined;
    return result?.changed ?? false;
  }

  async #publish(event: PredictionEvent): Promise<void> {
    const seq = this.#eventSeq++;
    await this.#c.js.publish(subjects.events(this.#c.predictionId), encode(PredictionEvent.encode(event)), {
      msgID: `${this.#c.predictionId}:${seq}`,
    });
  }

  #enqueue(work: () => Promise<void>): Promise<void> {
    this.#chain = this.#chain.then(work).catch((err: unknown) => {
      this.#c.log.error("run tracker failed", { prediction_id: this.#c.predictionId, err: String(err) });
    });
    return this.#chain;
  }
}
