import type { CancelRequest, Withdrawn } from "@gantry/contracts/jobs";
import type { PredictionRecord } from "@gantry/contracts/prediction";
import { subjects } from "@gantry/contracts/subjects";
import type { NatsConnection } from "@nats-io/nats-core";
import { encode } from "./codec.ts";
import type { Logger } from "./logger.ts";
import type { PredictionStore } from "./prediction-store.ts";

export interface CancelDeps {
  store: PredictionStore;
  nc: NatsConnection;
  now: () => Date;
  log: Logger;
}

/**
 * Cancels a prediction that has not ended (a user's cancel, through the API or the console):
 * stores `canceled`, then tells whoever holds it. Still queued, the schedulers get a `Withdrawn`
 * notice (the one holding it lets it go now rather than when its turn comes); placed, its agent
 * is asked to stop it on the model server. Resolves with the stored record at once, and `told`
 * when the agent has answered (or the request failed, which is logged).
 */
export async function cancelPrediction(
  d: CancelDeps,
  current: PredictionRecord,
): Promise<{ record: PredictionRecord; told: Promise<void> }> {
  const id = current.id;
  const result = await d.store.transition(id, { type: "cancel", at: d.now() });
  const record = result?.record ?? current;
  if (!record.agent_id) {
    if (result?.changed) {
      const notice: Withdrawn = { prediction_id: id };
      d.nc.publish(subjects.withdrawn(), encode(notice));
    }
    return { record, told: Promise.resolve() };
  }
  const msg: CancelRequest = { prediction_id: id };
  const told = d.nc.request(subjects.agentCancel(record.agent_id), encode(msg), { timeout: 5000 }).then(
    () => undefined,
    (err: unknown) => d.log.warn("cancel did not reach the agent", { id, err: String(err) }),
  );
  return { record, told };
}
