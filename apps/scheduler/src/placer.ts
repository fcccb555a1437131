import type { AgentHeartbeat } from "@gantry/contracts/agents";
import type { DeploymentRecord } from "@gantry/contracts/deployments";
import { PredictionChanged } from "@gantry/contracts/events";
import {
  type Placement,
  RunReply,
  type RunRequest,
  WarmReply,
  type WarmRequest,
  WorkItem,
} from "@gantry/contracts/jobs";
import type { VersionRecord } from "@gantry/contracts/models";
import { isTerminal } from "@gantry/contracts/prediction";
import { subjects } from "@gantry/contracts/subjects";
import { decode, encode } from "@gantry/platform/codec";
import type { Logger } from "@gantry/platform/logger";
import type { PredictionStore, StoredPrediction } from "@gantry/platform/prediction-store";
import type { Registry } from "@gantry/platform/registry";
import type { Buckets } from "@gantry/platform/topology";
import type { JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { LRUCache } from "lru-cache";
import { type BootTicket, bootTickets } from "./boot-ticket.ts";
import { AgentView } from "./core/agent-view.ts";
import { bootsUnbound, drainOrder, laneOf, placementCandidates } from "./core/dispatch.ts";
import { FairQueue } from "./core/fair-queue.ts";
import { type DrainPlan, drainLane } from "./core/lane-drain.ts";
import { type Candidate, msPerStart, type PlacementJob, type ScalePolicy, serves } from "./core/placement.ts";
import { DrainRates, estimateStartMs, shouldRewrite, type WaitWritten, waitLine } from "./core/wait-estimate.ts";
import { readHeartbeats } from "./heartbeats.ts";
import type { followNotices } from "./notices.ts";
import { placementKey } from "./reaper.ts";

/** A work item whose record is missing is retried this long after it was queued, then dropped. */
export const MISSING_RECORD_GRACE_MS = 30_000;
const MISSING_RECORD_RETRY_MS = 1000;
/** Pauses between reads of a record not yet stored (about 0.1 s in all). */
const RECORD_READ_PAUSES_MS = [0, 1, 1, 2, 3, 5, 8, 13, 20, 40];
/** How long a new work item's record is awaited from its creation notice before it is read. */
const CREATED_NOTICE_WAIT_MS = 250;
/**
 * Notices kept undecoded for work items read after them: about a second's worth at 1,000/s, and at
 * most 8 MiB (a notice carries its record, inputs included: one over 256 KiB is not kept).
 */
const RECENT_NOTICES = { max: 4096, maxSize: 8 * 1024 * 1024, maxEntrySize: 256 * 1024 };
/** Version records the placer keeps in memory (a bound: past it the least recently used go). */
export const VERSION_CACHE_ENTRIES = 10_000;

/** What placing one prediction took: for benchmarks and metrics. */
export interface Placed {
  predictionId: string;
  /** From enqueue to the agent's acceptance. */
  latencyMs: number;
  /** It went to an instance that was already booted (no cold boot). */
  warm: boolean;
  waited: boolean;
  /** The prediction's model (`owner/name`) and hardware, for metrics. */
  model: string;
  hardware: string;
}

export interface PlacerDeps {
  nc: NatsConnection;
  buckets: Buckets;
  store: PredictionStore;
  registry: Registry;
  agents: Map<string, AgentHeartbeat>;
  deployments: Map<string, DeploymentRecord>;
  now: () => Date;
  log: Logger;
  agentStaleMs: number;
  runTimeoutMs: number;
  trainingTimeoutMs: number;
  scale: ScalePolicy;
  /** Names this scheduler as the holder of boot tickets. */
  schedulerId: string;
  /** Held messages are touched this often, well inside the consumer's ack wait. */
  touchMs: number;
  onPlaced?: (p: Placed) => void;
  /** The predictions' change notices: a new record arrives in its creation notice. */
  notices?: ReturnType<typeof followNotices>;
}

interface Waiting {
  m: JsMsg;
  item: WorkItem;
  lane: string;
  /** Being tried right now: the sweep leaves it alone. */
  busy: boolean;
  waited: boolean;
  /** Its queue position as last written to its record, and when it began waiting. */
  wait?: WaitWritten & { since: string };
}

interface Send {
  item: WorkItem;
  candidates: Candidate[];
  job: PlacementJob;
  version: VersionRecord;
  ticket: BootTicket | null;
}
type Plan = DrainPlan<Send>;

/**
 * Places predictions on agents. One that cannot be placed now waits here, unacknowledged (so a
 * crash of this scheduler hands it to another), in a lane of the {@link FairQueue}: when capacity
 * frees (an agent's heartbeat changes), each lane serves its accounts in turn.
 */
export function startPlacer(d: PlacerDeps) {
  const queue = new FairQueue<Waiting>();
  const view = new AgentView(d.agents);
  const assume = (agentId: string, job: PlacementJob, concurrency: number) =>
    view.assume(agentId, job, concurrency, d.now().getTime());
  const draining = new Set<string>();
  const tickets = bootTickets(d.buckets.leases, d.schedulerId);
  /** Reads every agent's latest heartbeat from the bucket rather than waiting for the watch. */
  const refreshAgents = async () => {
    for (const hb of await readHeartbeats(d.buckets.agents)) apply(hb);
  };
  // Versions never change (their ids are content hashes): bounded, the least recently used go.
  const versions = new LRUCache<string, VersionRecord>({ max: VERSION_CACHE_ENTRIES });

  const version = async (id: string) => {
    const cached = versions.get(id);
    if (cached) return cached;
    const v = await d.registry.getVersion(id);
    if (v) versions.set(id, v);
    return v;
  };

  const rates = new DrainRates();

  /**
   * What to do with a lane's head: end it (deadline passed, version gone, canceled while it
   * waited), let it wait (no capacity), or send it to these agents, best first.
   */
  const plan = async (w: Waiting): Promise<Plan> => {
    const { item, m } = w;
    if (item.deadline && Date.parse(item.deadline) <= d.now().getTime()) {
      await d.store.transition(item.prediction_id, { type: "abort", at: d.now() });
      m.ack();
      return { kind: "ended" };
    }
    const v = await version(item.version_id);
    if (!v) {
      await d.store.transition(item.prediction_id, {
        type: "complete",
        at: d.now(),
        status: "failed",
        output: null,
        logs: "",
        error: "model version no longer exists",
        predictTimeS: 0,
      });
      m.ack();
      return { kind: "ended" };
    }
    const deployment = item.deployment ? d.deployments.get(item.deployment) : undefined;
    const job: PlacementJob = {
      versionId: v.id,
      hardware: item.hardware,
      deployment: item.deployment ?? null,
      ...(deployment ? { maxInstances: Math.max(1, deployment.max_instances) } : {}),
    };
    const rank = () => {
      const t = d.now();
      const perStart =
        d.scale.drainHorizonMs === undefined ? undefined : msPerStart(view.values(), job, t, d.agentStaleMs);
      const lane = {
        waitedMs: t.getTime() - Date.parse(item.enqueued_at),
        waiting: queue.depth(w.lane),
        ...(perStart === undefined ? {} : { msPerStart: perStart }),
      };
      return placementCandidates(view.values(), job, lane, d.scale, t, d.agentStaleMs);
    };
    let candidates = rank();
    if (candidates.length === 0) return { kind: "wait" };
    let ticket: BootTicket | null = null;
    if (!candidates[0]?.warm && job.deployment && job.maxInstances !== undefined) {
      // A boot under `max_instances`: one scheduler at a time, deciding on the agents' latest heartbeats.
      ticket = await tickets.take(job.deployment);
      if (!ticket) return { kind: "wait" };
      await refreshAgents();
      candidates = rank();
      if (candidates.length === 0 || candidates[0]?.warm) {
        await ticket.release();
        ticket = null;
        if (candidates.length === 0) return { kind: "wait" };
      }
    }
    if (w.waited) {
      // It may have been canceled while it waited: placing it would boot a server for nothing.
      const stored = await d.store.get(item.prediction_id);
      if (!stored || isTerminal(stored.record.status)) {
        await ticket?.release();
        m.ack();
        return { kind: "ended" };
      }
    }
    const send = { item, candidates, job, version: v, ticket };
    const warm = candidates[0]?.warm === true;
    const unbound = !warm && bootsUnbound(view.values(), job, d.scale, d.now(), d.agentStaleMs);
    return unbound ? { kind: "boot", send } : { kind: "send", warm, send };
  };

  /** Offers the prediction to the planned agents in turn; true once one accepted it. */
  const send = async (w: Waiting, p: Send): Promise<boolean> => {
    const { item, m } = w;
    const request: RunRequest = {
      prediction_id: item.prediction_id,
      account_id: item.account_id,
      model: item.model,
      version_id: p.version.id,
      hardware: item.hardware,
      streams: item.streams,
      runtime: p.version.runtime,
      concurrency: p.version.concurrency,
      input: item.input,
      timeout_ms: item.training ? d.trainingTimeoutMs : d.runTimeoutMs,
      deadline: item.deadline,
      deployment: item.deployment ?? null,
      billing: item.billing ?? "predict",
      ...(item.training ? { training: item.training } : {}),
      ...(item.price ? { price: item.price } : {}),
      ...(item.traceparent ? { traceparent: item.traceparent } : {}),
    };
    for (const [i, c] of p.candidates.entries()) {
      // Each agent may take up to its timeout: keep the message ours meanwhile.
      if (i > 0 || w.waited) m.working();
      let reply: RunReply;
      try {
        // Unbound, a warm offer is for a ready instance's slot only (see `RunRequest.ready_only`).
        const offer: RunRequest = {
          ...request,
          boot: !c.warm,
          ...(c.warm && d.scale.unbound ? { ready_only: true } : {}),
        };
        const res = await d.nc.request(subjects.agentRun(c.agentId), encode(offer), { timeout: 5000 });
        reply = decode(RunReply, res.data, "run reply");
      } catch (err) {
        d.log.warn("agent did not take the prediction", { agent_id: c.agentId, err: String(err) });
        continue;
      }
      if (!reply.accepted) continue;
      // Accepted: from here it is that agent's, and is never offered elsewhere. The placement is
      // durable before the queue lets go of it, so if this agent dies the reaper finds it.
      await placed(w, c.agentId, reply.incarnation);
      if (w.waited) rates.placed(w.lane, d.now().getTime());
      if (!c.warm) assume(c.agentId, p.job, p.version.concurrency);
      d.onPlaced?.({
        predictionId: item.prediction_id,
        latencyMs: d.now().getTime() - Date.parse(item.enqueued_at),
        warm: !reply.cold_boot,
        waited: w.waited,
        model: item.model,
        hardware: item.hardware,
      });
      return true;
    }
    return false;
  };

  /**
   * An unbound boot: asks the planned agents in turn to start one more instance of the lane's
   * version, with no prediction on it and no lease (it idles out as any other); true once one did.
   */
  const bootFor = async (p: Send): Promise<boolean> => {
    const { item, version: v } = p;
    for (const c of p.candidates) {
      if (c.warm) continue;
      const have = view.get(c.agentId)?.instances.filter((i) => serves(i, p.job)).length ?? 0;
      const req: WarmRequest = {
        version_id: v.id,
        runtime: v.runtime,
        concurrency: v.concurrency,
        count: have + 1,
        lease_ms: 1,
        deployment: item.deployment ?? null,
        billing: item.billing ?? "predict",
        account_id: item.account_id,
        model: item.model,
      };
      try {
        const res = await d.nc.request(subjects.agentWarm(c.agentId), encode(req), { timeout: 5000 });
        if (decode(WarmReply, res.data, "warm reply").instances <= have) continue;
      } catch (err) {
        d.log.warn("agent did not boot an instance", { agent_id: c.agentId, err: String(err) });
        continue;
      }
      view.assume(c.agentId, p.job, v.concurrency, d.now().getTime(), true);
      return true;
    }
    return false;
  };

  /** Records where an accepted prediction runs, then acknowledges its work message. */
  const placed = async (w: Waiting, agentId: string, incarnation?: string) => {
    const placement: Placement = { ...w.item, ...(incarnation ? { incarnation } : {}) };
    for (let attempt = 0; ; attempt++) {
      try {
        w.m.working();
        await d.buckets.placements.put(placementKey(agentId, w.item.prediction_id), encode(placement));
        break;
      } catch (err) {
        if (attempt >= 20) throw err;
        d.log.warn("placement not recorded yet; retrying", { id: w.item.prediction_id, err: String(err) });
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    w.m.ack();
  };

  /** A warm slot was offered but not taken after all: the prediction waits again, at the front. */
  const requeue = (w: Waiting) => {
    queue.unshift(w.lane, w.item.account_id, w);
    noteWaits(w.lane);
    setTimeout(() => void drain(w.lane), 20);
  };

  /**
   * Tells the predictions of a lane that waits why, their place in it and when they should start
   * (the record's `queue` and a line in its logs): once when they begin to wait, then as they move
   * up, each at most every few seconds (`shouldRewrite`).
   */
  const noteWaits = (lane: string) => {
    const waiting = queue.ordered(lane);
    const head = waiting[0];
    if (!head) return;
    const t = d.now();
    const nowMs = t.getTime();
    const { warm, bootMs } = versionBoots(head.item.version_id);
    for (const [ahead, w] of waiting.entries()) {
      if (w.busy || !shouldRewrite(w.wait, ahead, nowMs)) continue;
      const first = !w.waited;
      w.waited = true;
      const since = w.wait?.since ?? t.toISOString();
      w.wait = { position: ahead, atMs: nowMs, since };
      const startMs = estimateStartMs({ ahead, nowMs, drainIntervalMs: rates.intervalMs(lane), warm, bootMs });
      const { hardware, model, prediction_id: id } = w.item;
      const line = waitLine({ first, hardware, model, ahead, startMs, nowMs });
      const estimated = startMs === null ? null : new Date(startMs).toISOString();
      const wait = { position: ahead, estimated_start_at: estimated, phase: "waiting_for_slot" as const };
      void d.store
        .transition(id, { type: "queue", queue: { ...wait, phase_started_at: since }, line })
        .catch((err: unknown) => d.log.warn("could not note the wait", { id, err: String(err) }));
    }
  };

  /** Whether a version has an instance anywhere, and its slowest recent boot (from heartbeats). */
  const versionBoots = (versionId: string) => {
    let warm = false;
    let bootMs: number | null = null;
    for (const hb of d.agents.values()) {
      for (const i of hb.instances) {
        if (i.version_id !== versionId) continue;
        if (i.state === "ready" || i.state === "busy" || i.state === "booting") warm = true;
        if (typeof i.boot_ms === "number") bootMs = Math.max(bootMs ?? 0, i.boot_ms);
      }
    }
    return { warm, bootMs };
  };

  /**
   * Places a lane's predictions, accounts in turn, until capacity runs out. One drain per lane at
   * a time: each placement sees the ones before it (so `max_instances` holds).
   */
  const drain = async (lane: string) => {
    if (draining.has(lane)) return;
    draining.add(lane);
    try {
      await drainLane(queue, lane, {
        plan: (head) =>
          plan(head).catch((err: unknown): Plan => {
            d.log.error("placement failed", { id: head.item.prediction_id, err: String(err) });
            return { kind: "wait" };
          }),
        waits: () => noteWaits(lane),
        sendWarm: (head, p) => {
          // Taken in this scheduler's view now, and the lane goes on while the agent is asked. Only
          // warm slots: a boot must go through the serial path.
          const best = p.candidates[0];
          if (best) assume(best.agentId, p.job, p.version.concurrency);
          void send(head, { ...p, candidates: p.candidates.filter((c) => c.warm) }).then(
            (placed) => {
              if (!placed) requeue(head);
            },
            () => requeue(head),
          );
        },
        sendBoot: async (head, p) => {
          // One at a time per lane, each seeing the ones before it (`max_instances`); under a
          // deployment's boot ticket, held until the agent's heartbeat shows the new instance (it
          // writes one before it answers a cold start).
          const sent = await send(head, p).catch(() => false);
          await p.ticket?.release();
          return sent;
        },
        requeue,
        bootFor: async (p) => {
          const booted = await bootFor(p).catch(() => false);
          await p.ticket?.release();
          return booted;
        },
      });
    } finally {
      draining.delete(lane);
    }
  };

  /** Drains every lane, the one whose head has waited longest first (it is first to a freed slot). */
  const kick = () => {
    const waitedSince = (lane: string) => Date.parse(queue.peek(lane)?.item.enqueued_at ?? "") || 0;
    for (const lane of drainOrder(queue.lanes(), waitedSince)) void drain(lane);
  };

  /** Work items waiting for their record's creation notice, by prediction id. */
  const creations = new Map<string, (stored: StoredPrediction) => void>();
  const changedPrefix = subjects.changed("");
  /** The latest notices, undecoded, by prediction id: one may come before its work item is read. */
  const recentNotices = new LRUCache<string, Uint8Array>({
    ...RECENT_NOTICES,
    sizeCalculation: (data) => Math.max(1, data.length),
  });
  const storedOf = (data: Uint8Array): StoredPrediction | null => {
    try {
      const notice = decode(PredictionChanged, data, "prediction change");
      return { record: notice.record, revision: notice.revision };
    } catch (err) {
      d.log.warn("bad change notice", { err: String(err) });
      return null;
    }
  };
  d.notices?.on((m) => {
    const id = m.subject.slice(changedPrefix.length);
    recentNotices.set(id, m.data);
    const resolve = creations.get(id);
    const stored = resolve ? storedOf(m.data) : null;
    if (resolve && stored) resolve(stored);
  });
  /** The record from its creation notice, if it comes within `ms` (null: read it instead). */
  const created = (id: string, ms: number) =>
    new Promise<StoredPrediction | null>((resolve) => {
      const timer = setTimeout(() => {
        creations.delete(id);
        resolve(null);
      }, ms);
      creations.set(id, (stored) => {
        clearTimeout(timer);
        creations.delete(id);
        resolve(stored);
      });
    });

  /**
   * The record of a work item, briefly awaited: the gateway stores it just after the item is
   * queued, so a scheduler that is quick can read before it is there. A new item's record usually
   * comes in its creation notice (which carries it) a moment later, so that is waited for first;
   * a redelivered or late item's record is read at once (its notice is long gone).
   */
  const recordOf = async (item: WorkItem, fresh: boolean) => {
    if (fresh && d.notices && !creations.has(item.prediction_id)) {
      const seen = recentNotices.get(item.prediction_id);
      const stored = seen ? storedOf(seen) : await created(item.prediction_id, CREATED_NOTICE_WAIT_MS);
      if (stored) return stored;
    }
    for (const pauseMs of RECORD_READ_PAUSES_MS) {
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      const stored = await d.store.get(item.prediction_id);
      if (stored) return stored;
    }
    return null;
  };

  /** A new (or redelivered) message from the work queue: it joins its lane, which drains. */
  const admit = async (m: JsMsg) => {
    const item = decode(WorkItem, m.data, "work item");
    const w: Waiting = { m, item, lane: laneOf(item), busy: false, waited: false };
    // Fresh: first delivered within a second of its queueing, so its record's creation is still to come or just came.
    const fresh = !m.info.redelivered && d.now().getTime() - Date.parse(item.enqueued_at) < 1000;
    const stored = await recordOf(item, fresh);
    if (!stored) {
      // The gateway queues the item before it stores the record: a create cut short between the
      // two (NATS went away) answered 503 and left only this item, which has nothing to run.
      const age = d.now().getTime() - Date.parse(item.enqueued_at);
      if (age < MISSING_RECORD_GRACE_MS) return m.nak(MISSING_RECORD_RETRY_MS);
      d.log.warn("work item without a prediction record dropped", { prediction_id: item.prediction_id });
      return m.ack();
    }
    if (isTerminal(stored.record.status)) return m.ack();
    // A scheduler that died may have placed it (an agent stores its id before accepting), or it
    // may have ended, before the acknowledgement: never place it twice.
    if (m.info.redelivered && stored.record.agent_id) return placed(w, stored.record.agent_id);
    queue.push(w.lane, item.account_id, w);
    await drain(w.lane);
  };

  /** Ends waits past their deadline, keeps held messages alive, and retries every lane. */
  const sweep = async () => {
    const t = d.now();
    const late = queue.removeWhere(
      (w) => !w.busy && w.item.deadline !== null && Date.parse(w.item.deadline) <= t.getTime(),
    );
    for (const w of late) {
      try {
        await d.store.transition(w.item.prediction_id, { type: "abort", at: t });
        w.m.ack();
      } catch (err) {
        // Not aborted yet: it waits on, and the next sweep tries again.
        d.log.warn("could not abort a prediction past its deadline", { id: w.item.prediction_id, err: String(err) });
        queue.unshift(w.lane, w.item.account_id, w);
      }
    }
    kick();
    // Positions move as lanes drain: the waiting hear it (rate-limited per prediction).
    for (const lane of queue.lanes()) noteWaits(lane);
  };
  const sweeper = setInterval(() => void sweep().catch(() => {}), 1000);
  const toucher = setInterval(() => {
    for (const w of queue.items()) w.m.working();
  }, d.touchMs);

  /** A heartbeat replaces what was known of its agent, placements it cannot show yet kept. */
  const apply = (hb: AgentHeartbeat) => view.apply(hb, d.now().getTime());

  /** An agent's heartbeat arrived: capacity may have freed, so waiting predictions get another try. */
  const heartbeat = (hb: AgentHeartbeat) => {
    apply(hb);
    kick();
  };

  /** A waiting prediction was canceled: its message is acknowledged and it leaves its lane now. */
  const withdraw = (predictionId: string) => {
    for (const w of queue.removeWhere((x) => !x.busy && x.item.prediction_id === predictionId)) w.m.ack();
  };

  /** An agent is gone (its heartbeat key deleted or expired): what was assumed of it goes too. */
  const forget = (agentId: string) => view.forget(agentId);

  return {
    admit,
    kick,
    heartbeat,
    withdraw,
    forget,
    stop() {
      clearInterval(sweeper);
      clearInterval(toucher);
    },
  };
}
