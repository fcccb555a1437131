import { DeploymentRecord } from "@gantry/contracts/deployments";
import { PredictionChanged } from "@gantry/contracts/events";
import { isTerminal, type PredictionRecord } from "@gantry/contracts/prediction";
import { subjects } from "@gantry/contracts/subjects";
import { counted, judge, settle } from "@gantry/platform/canary";
import { decode, encode } from "@gantry/platform/codec";
import type { Logger } from "@gantry/platform/logger";
import { DEPLOYMENT_HEADER, ENDED_HEADER } from "@gantry/platform/prediction-store";
import type { Buckets } from "@gantry/platform/topology";
import type { NatsConnection } from "@nats-io/nats-core";

const MAX_CAS_ATTEMPTS = 20;

/**
 * Canary releases of deployments: each finished prediction of a deployment with a running canary
 * is counted into its release's figures on the deployment record (a compare-and-set, retried), and
 * once the canary has enough predictions it is promoted or rolled back in the same write (the
 * pure rules: `@gantry/platform/canary`). Schedulers share the change notices in a queue group,
 * so each prediction is counted once.
 */
export function startCanaryJudge(deps: { nc: NatsConnection; buckets: Buckets; now: () => Date; log: Logger }): {
  stop(): void;
} {
  const { buckets, now, log } = deps;

  const count = async (record: PredictionRecord) => {
    const key = record.deployment ?? "";
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const entry = await buckets.deployments.get(key);
      if (entry?.operation !== "PUT") return;
      const d = decode(DeploymentRecord, entry.value, "deployment");
      if (!d.canary) return;
      const c = counted(d.canary, d.version, {
        version: record.version,
        status: record.status,
        predictTimeMs: (record.metrics.predict_time ?? 0) * 1000,
        createdAt: record.created_at,
      });
      if (!c) return;
      const verdict = judge(c);
      const next = verdict.decided ? settle({ ...d, canary: c }, verdict, now()) : { ...d, canary: c };
      try {
        await buckets.deployments.update(key, encode(next), entry.revision);
        if (verdict.decided) {
          log.info("canary ended", {
            deployment: key,
            version: c.version,
            result: verdict.result,
            reason: verdict.reason,
          });
        }
        return;
      } catch (err) {
        if (!/wrong last sequence|10071/.test(String(err))) throw err;
      }
    }
    log.warn("canary figures not counted: too many concurrent writers", { deployment: key, id: record.id });
  };

  const sub = deps.nc.subscribe(subjects.changed("*"), {
    queue: "canary",
    callback: (_err, m) => {
      // Only deployments' ended predictions count, and their notices say so: the rest is not decoded.
      if (m.headers?.get(DEPLOYMENT_HEADER) !== "1" || m.headers.get(ENDED_HEADER) !== "1") return;
      let record: PredictionRecord;
      try {
        record = decode(PredictionChanged, m.data, "prediction change").record;
      } catch (err) {
        log.warn("bad change notice", { err: String(err) });
        return;
      }
      if (!record.deployment || !isTerminal(record.status)) return;
      void count(record).catch((err: unknown) =>
        log.warn("canary figures not counted", { id: record.id, err: String(err) }),
      );
    },
  });
  return { stop: () => sub.unsubscribe() };
}
