import { PredictionEvent } from "@gantry/contracts/events";
import { isTerminal, type PredictionRecord } from "@gantry/contracts/prediction";
import { STREAMS, subjects } from "@gantry/contracts/subjects";
import { decode } from "@gantry/platform/codec";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";

export interface FeedItem {
  /** The event's sequence in the events stream: the SSE/WebSocket event id. */
  seq: number;
  event: PredictionEvent;
  /** Events of this prediction stored after this one and not yet delivered: the reader's lag. */
  pending: number;
}

/**
 * A prediction's events after `afterSeq`, read from the `PREDICTION_EVENTS` stream with an
 * ordered consumer of its own (a slow reader lags in JetStream, not in gateway memory, and slows
 * nobody else). Ends after `done`. For a prediction that had already ended, replays what is
 * stored and ends with a `done` made from the record if the stored events ran out first
 * (retention removed them). `signal` ends a live feed at once (its reader went away).
 */
export async function* followEvents(
  nc: NatsConnection,
  record: PredictionRecord,
  afterSeq: number,
  signal?: AbortSignal,
): AsyncGenerator<FeedItem> {
  const consumer = await jetstream(nc).consumers.get(STREAMS.events.name, {
    filter_subjects: subjects.events(record.id),
    ...(afterSeq > 0
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 }
      : { deliver_policy: DeliverPolicy.All }),
  });
  if (isTerminal(record.status)) {
    let last = afterSeq;
    for (;;) {
      const m = await consumer.next({ expires: 1000 });
      if (!m) break;
      last = m.seq;
      const event = decode(PredictionEvent, m.data, "prediction event");
      yield { seq: m.seq, event, pending: m.info.pending };
      if (event.type === "done") return;
      if (m.info.pending === 0) break;
    }
    yield { seq: last, event: { type: "done", status: record.status, error: record.error }, pending: 0 };
    return;
  }
  const messages = await consumer.consume({ max_messages: 128 });
  const stop = () => void messages.close();
  signal?.addEventListener("abort", stop, { once: true });
  if (signal?.aborted) stop();
  try {
    for await (const m of messages) {
      const event = decode(PredictionEvent, m.data, "prediction event");
      yield { seq: m.seq, event, pending: m.info.pending };
      if (event.type === "done") return;
    }
  } finally {
    signal?.removeEventListener("abort", stop);
    await messages.close();
  }
}
