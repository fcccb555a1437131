import type { AgentHeartbeat } from "@gantry/contracts/agents";
import { mulberry32 } from "@gantry/demo-models/prng";
import { AgentView } from "../core/agent-view.ts";
import { bootsUnbound, drainOrder, laneOf, placementCandidates } from "../core/dispatch.ts";
import { extrasToStop } from "../core/extras.ts";
import { FairQueue } from "../core/fair-queue.ts";
import { drainLane } from "../core/lane-drain.ts";
import type { Candidate, PlacementJob } from "../core/placement.ts";
import { DemandTracker } from "../core/warm-demand.ts";
import { planWarm } from "../core/warm-plan.ts";
import { agentsThatMatter, FleetIndex } from "./agents-that-matter.ts";
import { EventQueue } from "./event-queue.ts";
import type { SimPolicy } from "./policies.ts";
import { type GoneReason, SimAgent, type SimInstance } from "./sim-agent.ts";
import type { TraceRow } from "./trace.ts";

export interface SimOptions {
  agents: number;
  /** Model instances each agent holds at once. */
  slots: number;
  /** Seeds the failures' draws. */
  seed: number;
  policy: SimPolicy;
  /** Chance that a cold boot fails (its predictions fail with it). */
  bootFailRate?: number;
  /** Hand placement every agent rather than those that can matter (slow; tests compare the two). */
  exact?: boolean;
}

/** What a run did; times in milliseconds of the simulated clock. */
export interface SimRun {
  predictions: number;
  failed: number;
  /** Create → started, per prediction that started (trace order); -1 for one that never did. */
  waits: Float64Array;
  busyMs: number;
  /** Instance time held: launch (booting) to stop, idle time included. */
  heldMs: number;
  /** Of which booting: launch to ready (or to a failed boot). */
  bootingMs: number;
  /**
   * Of which the last idle stretch of each instance (its last prediction to its stop), by why it
   * stopped: where the idle time that a scale policy can cut goes. Idle gaps between predictions
   * are the rest. (`failed` stays 0: a failed boot never idled.)
   */
  endIdleMs: Record<GoneReason, number>;
  coldBoots: number;
  /** Idle instances replaced to boot another model. */
  evictions: number;
  peakInstances: number;
  endMs: number;
}

type Event =
  | { kind: "ready"; agent: SimAgent; instance: SimInstance }
  | { kind: "done"; agent: SimAgent; instance: SimInstance; p: number }
  | { kind: "idle"; agent: SimAgent }
  | { kind: "sweep" }
  | { kind: "prewarm" }
  | { kind: "trim" };

interface Waiting {
  p: number;
  lane: string;
  busy: boolean;
}

interface Send {
  candidates: Candidate[];
  job: PlacementJob;
  /** An unbound boot's boot time (the head's model's). */
  bootMs?: number;
}

/** The placer's sweep and the agents' heartbeats: a waiting lane is retried at least this often. */
const SWEEP_MS = 1000;
/** The pre-warm's tick (the deployment keeper ticks each second; every 5 s keeps a day-long run under a minute). */
const PREWARM_TICK_MS = 5000;
/** The extras trimmer's tick (the live one ticks each second; every 5 s keeps a day-long run under a minute). */
const TRIM_TICK_MS = 5000;
const ACCOUNT = "sim";
/** Weight of the newest prediction in a lane's mean predict time (apps/gpu-agent's instances weigh theirs so). */
const PREDICT_MS_WEIGHT = 0.1;
/** Agents in the simulator never go quiet: their heartbeats are never stale. */
const NEVER_STALE = Number.POSITIVE_INFINITY;

/**
 * Runs a trace through the scheduler's own placement (fair lanes, drain loop, scale policy,
 * ranking, assumed placements) on simulated agents, on a virtual clock. Agents' heartbeats reach
 * the scheduler the moment they change. Deterministic: the same trace, options and seed give the
 * same run.
 */
export async function simulate(trace: readonly TraceRow[], o: SimOptions): Promise<SimRun> {
  const rng = mulberry32(o.seed);
  const failRate = o.bootFailRate ?? 0;
  const idleGrid = Math.min(1000, o.policy.idleStopMs);
  const events = new EventQueue<Event>();
  const queue = new FairQueue<Waiting>();
  const view = new AgentView(new Map<string, AgentHeartbeat>());
  const waits = new Float64Array(trace.length).fill(-1);
  const run = {
    busyMs: 0,
    heldMs: 0,
    bootingMs: 0,
    endIdleMs: { evicted: 0, idle: 0, trimmed: 0, failed: 0 },
    coldBoots: 0,
    evictions: 0,
    failed: 0,
    peakInstances: 0,
  };
  let live = 0;
  let now = 0;
  let instanceIds = 0;
  const nextId = () => ++instanceIds;

  const onGone = (a: SimAgent, i: SimInstance, at: number, reason: GoneReason) => {
    index.live(a);
    run.heldMs += at - i.launchedAt;
    run.bootingMs += (i.bootedAt ?? at) - i.launchedAt;
    if (i.bootedAt !== null) run.endIdleMs[reason] += at - Math.max(i.lastUsed, i.bootedAt);
    live--;
    held(a, i.versionId, false);
  };
  const hardware = [...new Set(trace.map((r) => r.hardware))];
  /** The shortest boot of the trace: no lane's extras window is shorter under `extraIdlePerBoot`. */
  const minBootMs = trace.reduce((m, r) => Math.min(m, r.bootMs), Number.POSITIVE_INFINITY);
  const fleet = Array.from({ length: o.agents }, (_, k) => {
    const id = `agent-${String(k).padStart(4, "0")}`;
    return new SimAgent(k, id, hardware[k % Math.max(1, hardware.length)] ?? "cpu", o.slots, onGone);
  });
  const byId = new Map(fleet.map((a) => [a.agentId, a]));
  /** What the placement shortcut reads of the fleet, kept up to date by every change (`beat`). */
  const index = new FleetIndex(fleet);
  /** Agents holding an instance of each version (for the placement shortcut). */
  const holders = new Map<string, Set<SimAgent>>();
  const held = (a: SimAgent, versionId: string, holds: boolean) => {
    let set = holders.get(versionId);
    if (!set) {
      set = new Set();
      holders.set(versionId, set);
    }
    if (holds) set.add(a);
    else if (!a.instances.some((i) => i.versionId === versionId)) set.delete(a);
  };
  /** Every change of an agent ends here: its heartbeat reaches the scheduler at once. */
  const beat = (a: SimAgent) => {
    a.refresh();
    index.update(a);
    view.apply(a.heartbeat(now), now);
  };
  for (const a of fleet) beat(a);

  const scaling = o.policy.scaling;
  const demand = scaling ? new DemandTracker(o.policy.demand) : null;
  const leased = new Set<SimInstance>();
  /** Lane → its version and hardware, for the pre-warm. */
  const laneJobs = new Map<string, { versionId: string; hardware: string }>();
  const idleWindow = o.policy.idleStopMs;
  const idleCheck = (agent: SimAgent, i: SimInstance) =>
    events.push(Math.ceil(Math.max(now, i.lastUsed + idleWindow) / idleGrid) * idleGrid, {
      kind: "idle",
      agent,
    });
  const extraIdleMs = o.policy.scale.extraIdleMs;
  /**
   * The heartbeats `extrasToStop` needs to decide as it would on all of them: every holder of a
   * version with an instance idle since `cutoff` (its other instances are counted), and nothing else
   * (a lane without such an instance stops nothing). `exact`: every agent.
   */
  const trimmable = (cutoff: number): AgentHeartbeat[] | IterableIterator<AgentHeartbeat> => {
    if (o.exact) return view.values();
    const versions = new Set<string>();
    for (const a of fleet) {
      if (a.oldestIdle > cutoff) continue;
      for (const i of a.instances) if (SimAgent.idle(i) && i.lastUsed <= cutoff) versions.add(i.versionId);
    }
    const agents = new Set<SimAgent>();
    for (const v of versions) for (const a of holders.get(v) ?? []) agents.add(a);
    return [...agents]
      .sort((x, y) => x.index - y.index)
      .flatMap((a) => {
        const hb = view.get(a.agentId);
        return hb ? [hb] : [];
      });
  };
  /** The extras trimmer's tick (`extras-trimmer.ts`): the same decision, on the simulator's view. */
  const trim = () => {
    if (extraIdleMs === undefined) return;
    const touched: SimAgent[] = [];
    const { extraIdlePerBoot: boots, extraIdleMinMs: minMs = 0 } = o.policy.scale;
    const perBoot = boots === undefined ? undefined : { boots, minMs };
    // No lane's window is shorter than this: the agents that can hold an extra past it.
    const horizon = perBoot
      ? Math.min(extraIdleMs, Math.max(minMs, Math.round(perBoot.boots * minBootMs)))
      : extraIdleMs;
    const stops = extrasToStop(trimmable(now - horizon), new Date(now), NEVER_STALE, extraIdleMs, perBoot);
    for (const s of stops) {
      const agent = byId.get(s.agentId);
      if (agent && agent.trim(s.versionId, s.count, s.idleMs, now) > 0) touched.push(agent);
    }
    for (const a of touched) beat(a);
  };
  const launched = (agent: SimAgent, instance: SimInstance, bootMs: number) => {
    index.live(agent);
    held(agent, instance.versionId, true);
    run.coldBoots++;
    live++;
    run.peakInstances = Math.max(run.peakInstances, live);
    agentOf.set(instance, agent.agentId);
    events.push(now + bootMs, { kind: "ready", agent, instance });
  };
  /**
   * The deployment keeper's pre-warm, once a tick: each lane's target from the demand tracker, placed
   * by \`planWarm\` (instances that run are kept first, the shortfall booted on the emptiest agents),
   * leased until the next tick. Returns whether any lane still wants an instance.
   */
  const prewarm = (): boolean => {
    if (!demand || !scaling) return false;
    const was = new Set(leased);
    leased.clear();
    for (const i of was) i.leased = false;
    let wanted = false;
    const touched = new Set<SimAgent>();
    let roomyAgents: SimAgent[] | undefined;
    for (const [lane, job] of laneJobs) {
      const target = demand.target(lane, now, scaling);
      if (target === 0) continue;
      wanted = true;
      const mine = [...(holders.get(job.versionId) ?? [])].filter((a) => a.sku === job.hardware);
      const have = mine.reduce((n, a) => n + a.instances.filter((i) => i.versionId === job.versionId).length, 0);
      // planWarm boots the shortfall on the emptiest agents: those are all it needs to see of the rest.
      roomyAgents ??= fleet.filter((a) => a.live < a.slots).sort((x, y) => x.live - y.live || x.index - y.index);
      const roomy: SimAgent[] = [];
      for (const a of roomyAgents) {
        if (roomy.length >= target - have) break;
        if (a.sku === job.hardware && a.live < a.slots && !mine.includes(a)) roomy.push(a);
      }
      const agents = [...mine, ...roomy].sort((x, y) => x.index - y.index);
      const plan = planWarm(
        agents.map((a) => view.get(a.agentId)).filter((hb) => hb !== undefined),
        { versionId: job.versionId, deployment: null, hardware: job.hardware, minInstances: target },
        new Date(now),
        NEVER_STALE,
      );
      for (const [agentId, count] of plan) {
        const agent = byId.get(agentId);
        if (!agent) continue;
        for (const i of agent.warm(job.versionId, count, now, nextId)) {
          launched(agent, i, bootOf.get(lane) ?? 0);
          touched.add(agent);
          roomyAgents = undefined;
        }
        for (const i of agent.instances) {
          if (!i.leased || leased.has(i)) continue;
          leased.add(i);
          if (!was.has(i)) touched.add(agent);
        }
      }
    }
    // Leases not renewed lapse: the instance may be stopped after its idle window, or replaced.
    for (const i of was) {
      if (i.leased) continue;
      const agent = byId.get(agentOf.get(i) ?? "");
      if (!agent?.instances.includes(i)) continue;
      touched.add(agent);
      if (i.state === "ready" && i.running.length === 0) idleCheck(agent, i);
    }
    for (const a of touched) beat(a);
    return wanted;
  };
  /** The boot time of each lane's model (a pre-warm boot takes it, as a placement's boot does). */
  const bootOf = new Map<string, number>();
  const agentOf = new WeakMap<SimInstance, string>();

  /**
   * Per lane, how long its predictions take lately (a moving mean, as its agents report each
   * instance's in `predict_ms`), and from it `LaneState.msPerStart` for the drain-before-boot check.
   */
  const predictMean = new Map<string, number>();
  const msPerStart = (job: PlacementJob, lane: string): number | undefined => {
    if (o.policy.scale.drainHorizonMs === undefined) return undefined;
    const mean = predictMean.get(lane);
    const { slots, ran } = index.ready(job.hardware, job.versionId);
    // Live, an instance reports `predict_ms` once it finished a prediction: no such instance, no rate.
    return mean === undefined || ran === 0 ? undefined : mean / slots;
  };
  const start = (agent: SimAgent, instance: SimInstance, p: number) => {
    const row = trace[p];
    if (!row) return;
    waits[p] = now - row.arrivalMs;
    run.busyMs += row.predictMs;
    events.push(now + row.predictMs, { kind: "done", agent, instance, p });
  };

  /** Offers a prediction to the candidates in turn, as the placer's `send` does; true once one took it. */
  const offer = (w: Waiting, s: Send): boolean => {
    const row = trace[w.p];
    if (!row) return false;
    for (const c of s.candidates) {
      const agent = byId.get(c.agentId);
      const placed = agent?.place(s.job.versionId, 1, !c.warm, now, nextId);
      if (!agent || !placed) continue;
      const { instance } = placed;
      if (placed.created) launched(agent, instance, row.bootMs);
      instance.running.push(w.p);
      instance.lastUsed = now;
      if (instance.state === "ready") start(agent, instance, w.p);
      if (!c.warm) view.assume(agent.agentId, s.job, 1, now);
      beat(agent);
      return true;
    }
    return false;
  };

  const drain = (lane: string) =>
    drainLane<Waiting, Send>(queue, lane, {
      plan: async (head) => {
        const row = trace[head.p];
        if (!row) return { kind: "ended" };
        const job: PlacementJob = { versionId: row.model, hardware: row.hardware, deployment: null };
        const perStart = msPerStart(job, lane);
        const state = {
          waitedMs: now - row.arrivalMs,
          waiting: queue.depth(lane),
          ...(perStart === undefined ? {} : { msPerStart: perStart }),
        };
        const at = new Date(now);
        const agents = o.exact
          ? [...view.values()]
          : agentsThatMatter(index, holders, job, now, o.policy.scale.evictIdleMs, o.slots)
              .map((a) => view.get(a.agentId))
              .filter((hb) => hb !== undefined);
        const candidates = placementCandidates(agents, job, state, o.policy.scale, at, NEVER_STALE);
        const best = candidates[0];
        if (!best) return { kind: "wait" };
        if (!best.warm && bootsUnbound(agents, job, o.policy.scale, at, NEVER_STALE))
          return { kind: "boot", send: { candidates, job, bootMs: row.bootMs } };
        return { kind: "send", warm: best.warm, send: { candidates, job } };
      },
      waits: () => {},
      sendWarm: (head, s) => {
        const best = s.candidates[0];
        if (best) view.assume(best.agentId, s.job, 1, now);
        if (!offer(head, { ...s, candidates: s.candidates.filter((c) => c.warm) })) requeue(head);
      },
      sendBoot: async (head, s) => offer(head, s),
      requeue: (head) => requeue(head),
      bootFor: async (s) => {
        for (const c of s.candidates) {
          const agent = byId.get(c.agentId);
          const instance = agent?.boot(s.job.versionId, 1, now, nextId);
          if (!agent || !instance) continue;
          launched(agent, instance, s.bootMs ?? 0);
          beat(agent);
          return true;
        }
        return false;
      },
    });
  const requeue = (w: Waiting) => queue.unshift(w.lane, ACCOUNT, w);
  const kick = async () => {
    const since = (lane: string) => trace[queue.peek(lane)?.p ?? -1]?.arrivalMs ?? 0;
    for (const lane of drainOrder(queue.lanes(), since)) await drain(lane);
  };

  const handle = async (e: Event) => {
    switch (e.kind) {
      case "ready": {
        if (failRate > 0 && rng() < failRate) {
          run.failed += e.instance.running.length;
          const lane = laneOf({ hardware: e.agent.sku, version_id: e.instance.versionId });
          for (const _ of e.instance.running) demand?.finished(lane, null, now);
          e.agent.remove(e.instance, now, "failed");
        } else {
          e.instance.state = "ready";
          e.instance.bootedAt = now;
          demand?.booted(
            laneOf({ hardware: e.agent.sku, version_id: e.instance.versionId }),
            now - e.instance.launchedAt,
            now,
          );
          if (e.instance.running.length === 0) idleCheck(e.agent, e.instance);
          for (const p of e.instance.running) start(e.agent, e.instance, p);
          beat(e.agent);
          // Its slots were taken when it was placed: capacity changes only when it has room for more
          // (a pre-warmed or unbound boot). Then it is warm for its own lane at once; other lanes see
          // it at the next sweep, as they see a freed slot ("done" below).
          const lane = laneOf({ hardware: e.agent.sku, version_id: e.instance.versionId });
          if (e.instance.running.length < e.instance.concurrency && queue.depth(lane) > 0) await drain(lane);
          return;
        }
        break;
      }
      case "done": {
        const r = e.instance.running;
        r.splice(r.indexOf(e.p), 1);
        e.instance.lastUsed = now;
        e.instance.ran = true;
        if (r.length === 0) {
          events.push(Math.ceil((now + idleWindow) / idleGrid) * idleGrid, { kind: "idle", agent: e.agent });
        }
        beat(e.agent);
        // The freed slot is warm for its own lane at once; other lanes see it (an instance they may
        // replace once it idled long enough) at the next sweep, within a second, as they would at
        // the agent's next heartbeat. Draining every lane on every end costs the simulator dearly.
        const row = trace[e.p];
        const lane = row ? laneOf({ hardware: row.hardware, version_id: row.model }) : "";
        if (row) demand?.finished(lane, row.predictMs, now);
        if (row) {
          const m = predictMean.get(lane);
          predictMean.set(lane, m === undefined ? row.predictMs : m + PREDICT_MS_WEIGHT * (row.predictMs - m));
        }
        if (queue.depth(lane) > 0) await drain(lane);
        return;
      }
      case "idle": {
        const stopped = e.agent.stopIdle(idleWindow, now);
        if (!stopped) return;
        break;
      }
      case "sweep":
        sweeping = false;
        await kick();
        return;
      case "prewarm":
        if (prewarm() || next < trace.length) events.push(now + PREWARM_TICK_MS, { kind: "prewarm" });
        return;
      case "trim":
        trim();
        if (next < trace.length || live > 0) events.push(now + TRIM_TICK_MS, { kind: "trim" });
        if (queue.size > 0) await kick();
        return;
    }
    beat(e.agent);
    if (queue.size > 0) await kick();
  };

  let sweeping = false;
  let next = 0;
  if (demand) events.push(PREWARM_TICK_MS, { kind: "prewarm" });
  if (extraIdleMs !== undefined) events.push(TRIM_TICK_MS, { kind: "trim" });
  for (;;) {
    const due = events.peekAt();
    const arrival = trace[next];
    if (arrival && (due === undefined || arrival.arrivalMs < due)) {
      now = arrival.arrivalMs;
      const w: Waiting = {
        p: next++,
        lane: laneOf({ hardware: arrival.hardware, version_id: arrival.model }),
        busy: false,
      };
      if (demand) {
        demand.arrive(w.lane, now);
        laneJobs.set(w.lane, { versionId: arrival.model, hardware: arrival.hardware });
        bootOf.set(w.lane, arrival.bootMs);
      }
      queue.push(w.lane, ACCOUNT, w);
      await drain(w.lane);
    } else {
      const e = events.pop();
      if (!e) break;
      now = e.at;
      await handle(e.event);
    }
    if (queue.size > 0 && !sweeping) {
      sweeping = true;
      events.push((Math.floor(now / SWEEP_MS) + 1) * SWEEP_MS, { kind: "sweep" });
    }
  }
  run.evictions = fleet.reduce((n, a) => n + a.evictions, 0);
  return { predictions: trace.length, waits, endMs: now, ...run };
}
