import { PredictionEvent } from "@gantry/contracts/events";
import { subjects } from "@gantry/contracts/subjects";
import type { PredictUsage } from "@gantry/contracts/usage";
import { encode } from "@gantry/platform/codec";
import type { Logger } from "@gantry/platform/logger";
import type { Transition } from "@gantry/platform/prediction-machine";
import type { PredictionStore, StoredPrediction } from "@gantry/platform/prediction-store";
import type { JetStreamClient } from "@nats-io/jetstream";
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
  store: PredictionStore;
  js: JetStreamClient;
  log: Logger;
  now: () => Date;
  /** How often, at most, progress is written to the stored record. */
  progressIntervalMs: number;
  /** Turns file outputs (`data:` URLs) into stored files' URLs; without it output is kept as sent. */
  files?: { replace(output: unknown): Promise<unknown> };
  /** For a training: what makes its version (see {@link TrainingHooks}). */
  training?: TrainingHooks;
  onDone?: () => void;
}

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
  #done = false;
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

  /** The prediction is placed here but must wait (`note` says why): record which agent has it. */
  assigned(note?: string): Promise<void> {
    return this.#enqueue(async () => {
      await this.#store({ type: "assign", agentId: this.#c.agentId, ...(note ? { note } : {}) });
    });
  }

  /**
   * The model server accepted the prediction: predict time starts now. Resolves to `false` when
   * the stored prediction had already ended (canceled before it started): the caller stops it.
   */
  async started(): Promise<boolean> {
    let live = true;
    const work = this.#enqueue(async () => {
      const at = this.#c.now();
      this.#startedAt = at;
      this.#lastProgress = at.getTime();
      await this.#store({ type: "start", at, agentId: this.#c.agentId });
      live = this.#known?.record.status === "processing";
    });
    this.#open();
    await work;
    return live;
  }

  snapshot(snap: CogSnapshot): Promise<void> {
    return this.#gate.then(() =>
      this.#enqueue(async () => {
        if (this.#done) return;
        let output: unknown = snap.output;
        const training = snap.status === "succeeded" ? this.#c.training : undefined;
        if (training) {
          try {
            output = await training.prepare(output);
          } catch (err) {
            const why = err instanceof Error ? err.message : String(err);
            await this.#finish("failed", null, snap.logs, `The trained version could not be created: ${why}`);
            return;
          }
          // Whatever happens next, the version is published only if this training's success is stored.
          try {
            await this.#settle(snap, output);
          } finally {
            await (this.#succeeded ? training.publish() : training.discard());
          }
          return;
        }
        await this.#settle(snap, output);
      }),
    );
  }

  /** A snapshot with its output as prepared: files stored, events published, progress or the end stored. */
  async #settle(snap: CogSnapshot, prepared: unknown): Promise<void> {
    let output: unknown;
    try {
      output = this.#c.files ? await this.#c.files.replace(prepared) : prepared;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      await this.#finish("failed", null, snap.logs, `Could not store an output file: ${why}`);
      return;
    }
    const stored: CogSnapshot = { ...snap, output };
    const diff = diffSnapshot(stored, this.#published, this.#c.streams);
    this.#published = diff.published;
    for (const ev of diff.events) await this.#publish(ev);
    if (isTerminalCogStatus(stored.status)) {
      await this.#finish(stored.status, stored.output, stored.logs, stored.error);
      return;
    }
    const now = this.#c.now();
    if (now.getTime() - this.#lastProgress >= this.#c.progressIntervalMs) {
      this.#lastProgress = now.getTime();
      await this.#store({ type: "progress", at: now, output: stored.output, logs: stored.logs });
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

  /** Stores the end and reports usage; true when this write ended it (nobody ended it first). */
  async #finish(
    status: "succeeded" | "failed" | "canceled",
    output: unknown,
    logs: string,
    error: string | null,
  ): Promise<boolean> {
    this.#done = true;
    const at = this.#c.now();
    let predictMs = this.#startedAt ? Math.max(0, at.getTime() - this.#startedAt.getTime()) : 0;
    // The store ends the event stream (`done`) with the terminal write.
    const wrote = await this.#store({
      type: "complete",
      at,
      status,
      output,
      logs,
      error: status === "failed" ? (error ?? "prediction failed") : null,
      predictTimeS: predictMs / 1000,
    });
    this.#succeeded = wrote && status === "succeeded";
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
    };
    await this.#c.js.publish(subjects.usage("predict", this.#c.agentId), encode(usage), {
      msgID: `predict:${this.#c.predictionId}`,
    });
    this.#c.onDone?.();
    return wrote;
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
