import { AppError } from "@gantry/contracts/errors";
import type { PredictionChanged, PredictionEvent, PredictionFinished } from "@gantry/contracts/events";
import { isTerminal, PredictionRecord } from "@gantry/contracts/prediction";
import { subjects } from "@gantry/contracts/subjects";
import type { WebhookJob } from "@gantry/contracts/webhooks";
import { type JetStreamClient, jetstream } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { headers, type NatsConnection } from "@nats-io/nats-core";
import { decode, encode } from "./codec.ts";
import { applyTransition, type Transition } from "./prediction-machine.ts";

export interface StoredPrediction {
  record: PredictionRecord;
  revision: number;
}

const MAX_CAS_ATTEMPTS = 20;

/** Set on change notices of predictions that have a webhook. */
export const WEBHOOK_HEADER = "Gantry-Webhook";
/** Set on change notices of predictions made through a deployment. */
export const DEPLOYMENT_HEADER = "Gantry-Deployment";
/** Set on the change notice of a prediction's end (a terminal status). */
export const ENDED_HEADER = "Gantry-Ended";

/**
 * Predictions in the `predictions` KV bucket. Every change is a compare-and-set on the entry's
 * revision, retried on conflict against the fresh value, so two writers racing (an agent
 * completing, a user canceling) never lose an update. After each change a core-NATS notice
 * carries the new record to whoever waits on it.
 */
export class PredictionStore {
  readonly #kv: KV;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;

  constructor(kv: KV, nc: NatsConnection) {
    this.#kv = kv;
    this.#nc = nc;
    this.#js = jetstream(nc);
  }

  async create(record: PredictionRecord): Promise<StoredPrediction> {
    const revision = await this.#kv.create(record.id, encode(PredictionRecord.encode(record)));
    this.#notify(record, revision);
    return { record, revision };
  }

  async get(id: string): Promise<StoredPrediction | null> {
    const entry = await this.#kv.get(id);
    if (entry?.operation !== "PUT") return null;
    return { record: decode(PredictionRecord, entry.value, "prediction record"), revision: entry.revision };
  }

  /**
   * Applies a transition with CAS. Returns the stored prediction after the call (changed or not),
   * or `null` if it does not exist. A writer that keeps what it last stored passes it as `known`:
   * the first attempt then needs no read, and a conflict falls back to reading the fresh value.
   */
  async transition(
    id: string,
    t: Transition,
    known?: StoredPrediction,
  ): Promise<(StoredPrediction & { changed: boolean }) | null> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = attempt === 0 && known ? known : await this.get(id);
      if (!current) return null;
      const next = applyTransition(current.record, t);
      if (!next) return { ...current, changed: false };
      try {
        const revision = await this.#kv.update(id, encode(next), current.revision);
        this.#notify(next, revision);
        // A lost queue event costs a stream reader one wait note; the record has it all the same.
        if (t.type === "queue") await this.#publishQueue(current.record, next, revision).catch(() => {});
        if (isTerminal(next.status) && !isTerminal(current.record.status)) await this.#publishDone(next);
        return { record: next, revision, changed: true };
      } catch (err) {
        if (!isWrongRevision(err)) throw err;
      }
    }
    throw new AppError("CONFLICT", `prediction ${id}: too many concurrent writers`, {
      expected: false,
    });
  }

  /**
   * Every terminal transition ends the prediction's event stream with `done`, whoever made it
   * (the agent completing, a user canceling, the scheduler aborting): stream readers always end.
   * It also schedules the removal of the prediction's data after the retention window, and the
   * terminal webhook when there is one.
   */
  async #publishDone(record: PredictionRecord): Promise<void> {
    const done: PredictionEvent = { type: "done", status: record.status, error: record.error };
    const finished: PredictionFinished = { prediction_id: record.id, completed_at: record.completed_at ?? "" };
    const jobs = [
      this.#js.publish(subjects.events(record.id), encode(done), { msgID: `${record.id}:done` }),
      this.#js.publish(subjects.retention(), encode(finished), { msgID: `${record.id}:finished` }),
    ];
    if (record.webhook) {
      const job: WebhookJob = { prediction_id: record.id, webhook_id: `msg_${record.id}` };
      jobs.push(this.#js.publish(subjects.webhookCompleted(), encode(job), { msgID: `${record.id}:completed` }));
    }
    await Promise.all(jobs);
  }

  /**
   * Stream readers hear why a prediction waits: its queue state, and the line its logs gained (the
   * SSE stream shows that line as a `logs` event; none when it gained none).
   */
  async #publishQueue(before: PredictionRecord, record: PredictionRecord, revision: number): Promise<void> {
    if (!record.queue) return;
    const gained = record.logs.length > before.logs.length ? record.logs.slice(before.logs.length) : "";
    const event: PredictionEvent = { type: "queue", queue: record.queue, line: gained.replace(/\n$/, "") };
    await this.#js.publish(subjects.events(record.id), encode(event), { msgID: `${record.id}:queue:${revision}` });
  }

  #notify(record: PredictionRecord, revision: number): void {
    const notice: PredictionChanged = { revision, record };
    // Headers let the webhook sender, the deployment keeper, the canary judge and the metrics skip,
    // without decoding, the many notices that are not theirs: records with no webhook, from no
    // deployment, or not ended.
    const ended = isTerminal(record.status);
    const hdrs = record.webhook || record.deployment || ended ? headers() : undefined;
    if (record.webhook) hdrs?.set(WEBHOOK_HEADER, "1");
    if (record.deployment) hdrs?.set(DEPLOYMENT_HEADER, "1");
    if (ended) hdrs?.set(ENDED_HEADER, "1");
    this.#nc.publish(subjects.changed(record.id), encode(notice), hdrs ? { headers: hdrs } : undefined);
  }
}

function isWrongRevision(err: unknown): boolean {
  const text = String(err);
  return text.includes("wrong last sequence") || text.includes("10071");
}
