import { PredictionFinished } from "@gantry/contracts/events";
import { CONSUMERS } from "@gantry/contracts/subjects";
import { decode } from "@gantry/platform/codec";
import type { Logger } from "@gantry/platform/logger";
import type { PredictionStore } from "@gantry/platform/prediction-store";
import { AckPolicy, type JsMsg, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";

/**
 * Data retention: for each finished prediction (one message on `RETENTION`), once the window has
 * passed, removes its input, output and logs (`data_removed: true`). A message not yet due is
 * handed back with a delay of exactly the time left, so nothing polls. Shared by every scheduler
 * instance through one durable consumer; the removal is a CAS transition, so doing it twice is
 * harmless.
 */
export async function startJanitor(deps: {
  nc: NatsConnection;
  store: PredictionStore;
  now: () => Date;
  log: Logger;
  retentionMs: number;
}): Promise<{ stop(): Promise<void> }> {
  const jsm = await jetstreamManager(deps.nc);
  await jsm.consumers
    .add(CONSUMERS.janitor.stream, {
      durable_name: CONSUMERS.janitor.name,
      ack_policy: AckPolicy.Explicit,
      ack_wait: 60_000_000_000,
      max_ack_pending: 1_000_000,
    })
    .catch((err: unknown) => {
      if (!String(err).includes("already in use")) throw err;
    });
  const consumer = await jetstream(deps.nc).consumers.get(CONSUMERS.janitor.stream, CONSUMERS.janitor.name);
  const messages = await consumer.consume({ max_messages: 1000 });

  const handle = async (m: JsMsg) => {
    const finished = decode(PredictionFinished, m.data, "prediction finished");
    const due = Date.parse(finished.completed_at) + deps.retentionMs;
    const left = due - deps.now().getTime();
    if (left > 0) return m.nak(left);
    await deps.store.transition(finished.prediction_id, { type: "remove_data" });
    m.ack();
  };

  const loop = (async () => {
    for await (const m of messages) {
      handle(m).catch((err: unknown) => {
        deps.log.warn("retention failed; retrying", { err: String(err) });
        m.nak(5000);
      });
    }
  })();
  return {
    async stop() {
      await messages.close();
      await loop;
    },
  };
}
