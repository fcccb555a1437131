import type { AgentHeartbeat } from "@gantry/contracts/agents";
import { Placement, type WorkItem } from "@gantry/contracts/jobs";
import { isTerminal } from "@gantry/contracts/prediction";
import { subjects } from "@gantry/contracts/subjects";
import { type PredictUsage, usageMsgId } from "@gantry/contracts/usage";
import { decode, encode } from "@gantry/platform/codec";
import { listKeys } from "@gantry/platform/kv-keys";
import type { Logger } from "@gantry/platform/logger";
import { hasOutput } from "@gantry/platform/prediction-machine";
import type { PredictionStore } from "@gantry/platform/prediction-store";
import { Registry } from "@gantry/platform/registry";
import type { Buckets } from "@gantry/platform/topology";
import { trainedVersionId } from "@gantry/platform/trainer";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";

/** How many times a prediction runs again after a platform failure before any output (the failure contract). */
export const PLATFORM_RETRIES = 1;

export const placementKey = (agentId: string, predictionId: string) => `${agentId}.${predictionId}`;

/**
 * Recovery when an agent stops sending heartbeats, or comes back as a new process under the same
 * id (what was placed before its start is gone): each prediction placed on it (the
 * `placements` bucket, written when the agent accepted) is failed with a clear error if it had
 * started, or put back in the queue if it had not. Taking a placement is a CAS delete, so when
 * several schedulers notice the same death, exactly one of them handles each prediction.
 */
export function startReaper(deps: {
  nc: NatsConnection;
  buckets: Buckets;
  store: PredictionStore;
  agents: Map<string, AgentHeartbeat>;
  now: () => Date;
  log: Logger;
  staleMs: number;
  intervalMs: number;
}): { stop(): Promise<void> } {
  const { buckets, store, now, log } = deps;
  const js = jetstream(deps.nc);
  const placed = followPlacements(buckets.placements, log);
  const handled = new Set<string>();
  const registry = new Registry(buckets);

  /**
   * Ends or requeues what was placed on the agent: everything (it went silent), or, when `current`
   * names the process now running, what earlier processes took (it restarted). A placement names
   * its process; one that does not (an older writer) counts as earlier when placed before the
   * process started, by the clocks.
   */
  const reap = async (agentId: string, why: string, current?: string) =>
    reapWhere(agentId, why, await listKeys(buckets.placements, `${agentId}.*`), (item, created) =>
      current === undefined
        ? true
        : item.incarnation
          ? item.incarnation !== current
          : created.getTime() < Date.parse(current),
    );

  /**
   * Ends or requeues the placements of the agent under `keys` that `pick` selects. `reported`: the agent is alive
   * in the process that took them, and it lists a run in its heartbeats until the run's end and usage
   * are stored, so an ended one's usage needs no second report.
   */
  const reapWhere = async (
    agentId: string,
    why: string,
    keys: Iterable<string>,
    pick: (item: Placement, created: Date) => boolean,
    reported = false,
  ) => {
    for (const key of keys) {
      const entry = await buckets.placements.get(key);
      if (entry?.operation !== "PUT") continue;
      const item = decode(Placement, entry.value, "placement");
      if (!pick(item, entry.created)) continue;
      try {
        await buckets.placements.delete(key, { previousSeq: entry.revision });
      } catch {
        continue; // another scheduler took it
      }
      let stored = await store.get(item.prediction_id);
      if (!stored) continue;
      const usageOf = (predictMs: number, at: string): PredictUsage => ({
        kind: "predict",
        prediction_id: item.prediction_id,
        account_id: item.account_id,
        model: item.model,
        version_id: item.version_id,
        agent_id: agentId,
        hardware: item.hardware,
        predict_ms: predictMs,
        at,
        billing: item.billing ?? "predict",
        deployment: item.deployment ?? null,
      });
      if (isTerminal(stored.record.status)) {
        // Ended, but its agent may have died before it reported the usage: it is sent again from
        // what the prediction shows, under the message id the agent used (the stream drops a copy).
        const shown = stored.record;
        if (
          !reported &&
          shown.started_at &&
          shown.agent_id === agentId &&
          typeof shown.metrics.predict_time === "number"
        ) {
          const usage = usageOf(
            Math.round(shown.metrics.predict_time * 1000),
            shown.completed_at ?? now().toISOString(),
          );
          await js.publish(subjects.usage("predict", agentId), encode(usage), { msgID: usageMsgId(usage) });
        }
        continue;
      }
      const attempt = item.attempt ?? 0;
      if (
        stored.record.status === "processing" &&
        !hasOutput(stored.record.output) &&
        attempt < PLATFORM_RETRIES &&
        !item.training
      ) {
        // The failure contract: a run its agent took down before any output runs again, once,
        // wherever it is placed next; the lost attempt is not billed.
        const retried = await store.transition(item.prediction_id, {
          type: "retry",
          note: `The agent running this prediction (${agentId}) ${why}; it runs again.`,
        });
        if (retried?.changed) {
          const { incarnation: _, ...work } = item;
          const again: WorkItem = { ...work, attempt: attempt + 1, enqueued_at: now().toISOString() };
          await js.publish(subjects.work(item.hardware), encode(again), {
            msgID: `${item.prediction_id}:retry:${attempt + 1}`,
          });
          log.warn("prediction runs again after its agent failed", { id: item.prediction_id, agent_id: agentId });
          continue;
        }
        stored = await store.get(item.prediction_id);
        if (!stored) continue;
      }
      if (stored.record.status === "processing") {
        const at = now();
        // A platform failure is never billed (the failure contract, docs/reliability.md): the
        // prediction shows no predict time, and a usage of 0 ms under the message id its agent
        // would have used keeps a late report of a half-dead agent from billing it.
        const predictMs = 0;
        const ended = await store.transition(item.prediction_id, {
          type: "complete",
          at,
          status: "failed",
          output: stored.record.output,
          logs: stored.record.logs,
          error: `The agent running this prediction (${agentId}) ${why}.`,
          predictTimeS: predictMs / 1000,
        });
        if (ended?.changed) {
          const usage = usageOf(predictMs, at.toISOString());
          await js.publish(subjects.usage("predict", agentId), encode(usage), { msgID: usageMsgId(usage) });
          // A training whose agent died may have prepared its version (never published): it goes.
          if (item.training) await registry.deleteVersion(trainedVersionId(item.prediction_id));
        }
        log.warn("prediction failed with its agent", { id: item.prediction_id, agent_id: agentId });
      } else {
        await store.transition(item.prediction_id, { type: "unassign" });
        const { incarnation: _, ...work } = item;
        await js.publish(subjects.work(item.hardware), encode(work satisfies WorkItem), {
          msgID: `${item.prediction_id}:requeue:${entry.revision}`,
        });
        log.warn("prediction requeued from a dead agent", { id: item.prediction_id, agent_id: agentId });
      }
    }
  };

  /** Each agent's process start as last seen: a new one means the agent restarted. */
  const incarnations = new Map<string, string>();

  /**
   * Placements on a live agent's current process that its heartbeats stopped listing (the agent
   * lost the run, or never had it), by key: since when (this scheduler's clock), and the heartbeat
   * that first missed it. One still missing from a later heartbeat, `staleMs` on, is no one's.
   */
  const missing = new Map<string, { since: number; hb: string }>();

  /** The heartbeat last compared with the agent's placements (each is compared once). */
  const compared = new Map<string, string>();

  const reapUnowned = async (agentId: string, hb: AgentHeartbeat) => {
    if (!hb.running || !hb.started_at || compared.get(agentId) === hb.at) return;
    compared.set(agentId, hb.at);
    const held = new Set(hb.running);
    const t = now().getTime();
    const keys = placed.of(agentId);
    const due = new Set<string>();
    for (const key of keys) {
      const id = key.slice(agentId.length + 1);
      if (held.has(id)) {
        missing.delete(key);
        continue;
      }
      const seen = missing.get(key);
      if (!seen) missing.set(key, { since: t, hb: hb.at });
      else if (seen.hb !== hb.at && t - seen.since >= deps.staleMs) due.add(key);
    }
    for (const key of missing.keys()) if (key.startsWith(`${agentId}.`) && !keys.has(key)) missing.delete(key);
    if (due.size === 0) return;
    // Only the keys that are due are read: every run's placement ends here once its agent stops
    // listing it, so listing all of the agent's keys would read each live one at every sweep.
    await reapWhere(
      agentId,
      "no longer has it (its run was lost)",
      due,
      (item) => item.incarnation === hb.started_at && due.has(placementKey(agentId, item.prediction_id)),
      true,
    );
    for (const key of due) missing.delete(key);
  };

  const sweep = async () => {
    const t = now().getTime();
    for (const [agentId, hb] of deps.agents) {
      if (hb.started_at && incarnations.get(agentId) !== hb.started_at) {
        incarnations.set(agentId, hb.started_at);
        // What was placed on an earlier process of this agent went down with it.
        await reap(agentId, "restarted while it ran (its model server went down with it)", hb.started_at).catch(
          (err: unknown) => log.error("reaping failed", { agent_id: agentId, err: String(err) }),
        );
      }
      const silent = t - Date.parse(hb.at);
      const mark = `${agentId}@${hb.at}`;
      if (silent <= deps.staleMs) {
        await reapUnowned(agentId, hb).catch((err: unknown) =>
          log.error("reaping failed", { agent_id: agentId, err: String(err) }),
        );
        continue;
      }
      if (handled.has(mark)) continue;
      handled.add(mark);
      await reap(agentId, `stopped responding: no heartbeat for ${Math.round(silent / 1000)} s`).catch((err: unknown) =>
        log.error("reaping failed", { agent_id: agentId, err: String(err) }),
      );
    }
    // What is remembered of agents that are gone, or heartbeats that were followed by newer ones, is let go.
    for (const mark of handled) {
      const at = mark.indexOf("@");
      if (deps.agents.get(mark.slice(0, at))?.at !== mark.slice(at + 1)) handled.delete(mark);
    }
    for (const agentId of incarnations.keys()) if (!deps.agents.has(agentId)) incarnations.delete(agentId);
    for (const agentId of compared.keys()) if (!deps.agents.has(agentId)) compared.delete(agentId);
  };

  // One sweep at a time; a stop waits for the one under way (it must not meet a draining connection).
  let sweeping: Promise<void> | null = null;
  const timer = setInterval(() => {
    sweeping ??= sweep().finally(() => {
      sweeping = null;
    });
  }, deps.intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await sweeping;
      placed.stop();
    },
  };
}

/**
 * The placements bucket's keys by agent, followed from a watch (keys only) rather than listed: the
 * reaper compares every live agent's heartbeat with its placements about once a second, and listing
 * one agent's keys opens a consumer on the server each time (500 agents: 500 a second). A key not
 * seen yet is only compared later, and one whose delete has not arrived yet must still be missing
 * from a later heartbeat before anything is reaped, which re-reads it first (`reapWhere`).
 */
function followPlacements(kv: Buckets["placements"], log: Logger) {
  const byAgent = new Map<string, Set<string>>();
  const none: ReadonlySet<string> = new Set();
  let stopped = false;
  let watcher: Awaited<ReturnType<typeof kv.watch>> | null = null;
  void (async () => {
    // A watch that ends (the server went away for good) is opened again, from a clean slate.
    while (!stopped) {
      try {
        watcher = await kv.watch({ headers_only: true });
        if (stopped) watcher.stop();
        for await (const e of watcher) {
          const agentId = e.key.slice(0, e.key.indexOf("."));
          const keys = byAgent.get(agentId) ?? new Set<string>();
          if (e.operation === "PUT") {
            keys.add(e.key);
            byAgent.set(agentId, keys);
          } else {
            keys.delete(e.key);
            if (keys.size === 0) byAgent.delete(agentId);
          }
        }
      } catch (err) {
        if (!stopped) log.warn("following placements failed; following again", { err: String(err) });
      }
      byAgent.clear();
      if (!stopped) await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return {
    of: (agentId: string): ReadonlySet<string> => byAgent.get(agentId) ?? none,
    stop: () => {
      stopped = true;
      watcher?.stop();
    },
  };
}
