import { PredictionChanged } from "@gantry/contracts/events";
import type { PredictionRecord, WebhookEventType } from "@gantry/contracts/prediction";
import { STREAMS } from "@gantry/contracts/subjects";
import { type WebhookDelivery, WebhookDeliveryLog, WebhookJob, WebhookProgress } from "@gantry/contracts/webhooks";
import { decode, encode } from "@gantry/platform/codec";
import type { Logger } from "@gantry/platform/logger";
import { type PredictionStore, WEBHOOK_HEADER } from "@gantry/platform/prediction-store";
import { renderRecord } from "@gantry/platform/render-prediction";
import type { Buckets } from "@gantry/platform/topology";
import { webhookSecret } from "@gantry/platform/webhook-secret";
import { webhookHeaders } from "@gantry/platform/webhook-signing";
import { checkWebhookUrl } from "@gantry/platform/webhook-url";
import { AckPolicy, type JsMsg, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { newEvents, RETRY_DELAYS_MS, type SentState, sentStateOf, THROTTLE_MS } from "../core/webhook-events.ts";
import { type DeliveryResult, postWebhook } from "./http.ts";

export interface WebhookConfig {
  /** Origin of the API, for the URLs inside the prediction a webhook carries. */
  publicUrl: string;
  /** Lets webhooks reach loopback and private addresses (local development only). */
  allowPrivate: boolean;
  timeoutMs: number;
}

/** A delivery attempt, or a `completed` webhook given up after its retries (metrics). */
export type WebhookObservation =
  | { kind: "delivery"; event: WebhookEventType; status: number | null; attempt: number; seconds: number }
  | { kind: "abandoned" };

const CONSUMER = "webhooks";
const MAX_LOG = 200;

/**
 * Webhook delivery. Progress (`start`, `output`, `logs`) follows the store's change notices in a
 * queue group shared by the schedulers: sent as it happens, `output`/`logs` at most once per
 * 500 ms per prediction (the last state always follows), never retried; what was sent is shared
 * state in KV, so several schedulers never repeat or regress a prediction's progress. `completed` comes from
 * the durable `WEBHOOKS` queue the store fills at the terminal write: retried with backoff for
 * about a minute under the same `webhook-id`, and it survives restarts of every process.
 */
export async function startWebhooks(deps: {
  nc: NatsConnection;
  buckets: Buckets;
  store: PredictionStore;
  now: () => Date;
  log: Logger;
  config: WebhookConfig;
  /** Told of every delivery attempt and every webhook given up (metrics). */
  observe?: (o: WebhookObservation) => void;
}): Promise<{ stop(): Promise<void> }> {
  const { nc, buckets, store, now, log, config, observe } = deps;
  const secrets = new Map<string, string>();
  /** Per prediction, this scheduler's throttle timer and the latest record it holds back. */
  const timers = new Map<string, { timer?: NodeJS.Timeout; latest?: PredictionRecord }>();

  const secretOf = async (accountId: string) => {
    const cached = secrets.get(accountId);
    if (cached) return cached;
    const s = await webhookSecret(buckets.accounts, accountId);
    secrets.set(accountId, s);
    return s;
  };

  const appendLog = async (id: string, entry: WebhookDelivery) => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await buckets.webhookDeliveries.get(id);
      const list = current?.operation === "PUT" ? decode(WebhookDeliveryLog, current.value, "delivery log") : [];
      const next = [...list, entry].slice(-MAX_LOG);
      try {
        if (current?.operation === "PUT") await buckets.webhookDeliveries.update(id, encode(next), current.revision);
        else await buckets.webhookDeliveries.create(id, encode(next));
        return;
      } catch {
        // raced another writer: read again
      }
    }
  };

  const deliver = async (record: PredictionRecord, event: WebhookEventType, webhookId: string, attempt: number) => {
    const at = now();
    let result: DeliveryResult;
    let url = record.webhook ?? "";
    try {
      const checked = await checkWebhookUrl(url, { allowPrivate: config.allowPrivate });
      url = checked.href;
      const body = JSON.stringify(renderRecord(record, config.publicUrl));
      const headers = await webhookHeaders(
        await secretOf(record.account_id),
        webhookId,
        Math.floor(at.getTime() / 1000),
        body,
      );
      result = await postWebhook(checked, body, headers, {
        allowPrivate: config.allowPrivate,
        timeoutMs: config.timeoutMs,
      });
    } catch (err) {
      result = { status: null, error: err instanceof Error ? err.message : String(err), latencyMs: 0 };
    }
    await appendLog(record.id, {
      webhook_id: webhookId,
      event,
      url,
      attempt,
      status: result.status,
      error: result.error,
      latency_ms: result.latencyMs,
      at: at.toISOString(),
    });
    observe?.({ kind: "delivery", event, status: result.status, attempt, seconds: result.latencyMs / 1000 });
    return result;
  };

  const progressKey = (id: string) => `progress.${id}`;
  /** The shared record of what progress webhooks of a prediction went out (every scheduler's). */
  const readProgress = async (id: string) => {
    const e = await buckets.webhookDeliveries.get(progressKey(id));
    const state =
      e?.operation === "PUT"
        ? decode(WebhookProgress, e.value, "webhook progress")
        : { started: false, output_count: 0, logs_length: 0, last_at: 0 };
    return { state, revision: e?.operation === "PUT" ? e.revision : 0 };
  };

  /**
   * Sends the progress a changed record brings, if it is new to every scheduler: the shared state
   * is advanced with compare-and-set first, so only one scheduler sends a given state and none sends
   * an older one after it. Within the throttle the latest record waits for a local timer.
   */
  const sendProgress = async (record: PredictionRecord): Promise<void> => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const { state, revision } = await readProgress(record.id);
      const sent: SentState = {
        started: state.started,
        outputCount: state.output_count,
        logsLength: state.logs_length,
      };
      const events = newEvents(sent, record, record.webhook_events_filter);
      if (events.length === 0) return;
      const t = now().getTime();
      const throttled = !events.includes("start") && t - state.last_at < THROTTLE_MS;
      if (throttled) {
        // Held back until the throttle ends (then the latest record goes); the entry lives only that long.
        let held = timers.get(record.id);
        if (!held) {
          held = {};
          timers.set(record.id, held);
        }
        held.latest = record;
        const entry = held;
        entry.timer ??= setTimeout(
          () => {
            timers.delete(record.id);
            if (entry.latest) void sendProgress(entry.latest).catch(() => undefined);
          },
          THROTTLE_MS - (t - state.last_at),
        );
        return;
      }
      const of = sentStateOf(record);
      const next: WebhookProgress = {
        started: state.started || of.started,
        output_count: Math.max(state.output_count, of.outputCount),
        logs_length: Math.max(state.logs_length, of.logsLength),
        last_at: t,
      };
      try {
        if (revision) await buckets.webhookDeliveries.update(progressKey(record.id), encode(next), revision);
        else await buckets.webhookDeliveries.create(progressKey(record.id), encode(next));
      } catch {
        continue; // another scheduler advanced it: look again
      }
      const event = events.includes("start") ? "start" : (events[0] ?? "output");
      void deliver(record, event, `msg_${record.id}_${event}_${t}`, 1);
      return;
    }
  };

  const progress = (record: PredictionRecord) => {
    if (!record.webhook) return;
    if (record.status !== "starting" && record.status !== "processing") {
      const local = timers.get(record.id);
      clearTimeout(local?.timer);
      timers.delete(record.id);
      // The terminal webhook goes through the durable queue; progress is over.
      void buckets.webhookDeliveries.delete(progressKey(record.id)).catch(() => undefined);
      return;
    }
    void sendProgress(record).catch((err: unknown) =>
      log.warn("progress webhook not sent", { id: record.id, err: String(err) }),
    );
  };

  const changes = nc.subscribe("predictions.v1.changed.*", {
    queue: "webhooks",
    callback: (_err, m) => {
      if (m.headers?.get(WEBHOOK_HEADER) !== "1") return;
      try {
        progress(decode(PredictionChanged, m.data, "prediction change").record);
      } catch (err) {
        log.warn("bad change notice", { err: String(err) });
      }
    },
  });

  const jsm = await jetstreamManager(nc);
  await jsm.consumers
    .add(STREAMS.webhooks.name, {
      durable_name: CONSUMER,
      ack_policy: AckPolicy.Explicit,
      ack_wait: (config.timeoutMs + 5000) * 1_000_000,
    })
    .catch((err: unknown) => {
      if (!String(err).includes("already in use")) throw err;
    });
  const consumer = await jetstream(nc).consumers.get(STREAMS.webhooks.name, CONSUMER);
  const jobs = await consumer.consume({ max_messages: 64 });

  const completed = async (m: JsMsg) => {
    const job = decode(WebhookJob, m.data, "webhook job");
    const stored = await store.get(job.prediction_id);
    const record = stored?.record;
    if (!record?.webhook) return m.ack();
    const filter = record.webhook_events_filter;
    if (filter && !filter.includes("completed")) return m.ack();
    const attempt = m.info.deliveryCount;
    const result = await deliver(record, "completed", job.webhook_id, attempt);
    if (result.status !== null && result.status >= 200 && result.status < 300) return m.ack();
    const delay = RETRY_DELAYS_MS[attempt - 1];
    if (delay === undefined) {
      log.warn("webhook gave up", { id: record.id, attempts: attempt });
      observe?.({ kind: "abandoned" });
      return m.term();
    }
    m.nak(delay);
  };

  const loop = (async () => {
    for await (const m of jobs) {
      completed(m).catch((err: unknown) => {
        log.warn("webhook delivery failed", { err: String(err) });
        m.nak(RETRY_DELAYS_MS[0]);
      });
    }
  })();

  return {
    async stop() {
      changes.unsubscribe();
      for (const s of timers.values()) clearTimeout(s.timer);
      await jobs.close();
      await loop;
    },
  };
}
