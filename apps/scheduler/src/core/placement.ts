import type { AgentHeartbeat, InstanceStatus } from "@gantry/contracts/agents";

export interface PlacementJob {
  versionId: string;
  hardware: string;
  /** Predictions through a deployment run only on its instances; others on shared ones. */
  deployment: string | null;
  /** A deployment's `max_instances`: no cold boot beyond it (undefined: no limit). */
  maxInstances?: number;
}

/** When placement may start a new instance instead of waiting for a busy one. */
export interface ScalePolicy {
  /** Boot a new instance (when one serves the job already) only after the head waited this long. */
  scaleUpAfterMs: number;
  /** An idle instance of another model is replaced only after idling this long (no thrashing). */
  evictIdleMs: number;
  /**
   * A lane with no instance whose head waited this long may replace any instance that is idle at
   * the moment: under sustained load nothing idles for `evictIdleMs`, and a model without an
   * instance would otherwise wait for the load to end. Absent: never.
   */
  starveAfterMs?: number;
  /**
   * Scale-up boots are started for the lane, not for its head: the head stays queued and takes
   * whichever slot frees first, a busy instance's or the new one's once it is ready (a lane's first
   * boot still takes its head: `bootsUnbound`). Bound (false), the head is sent to the new instance
   * and waits for that boot, however soon a busy one frees. Default: unbound.
   */
  unbound?: boolean;
  /**
   * Extras go early: an instance idle this long is stopped while another instance of its version
   * serves the same lane (`core/extras.ts`); a model's last instance is left to the agents' own,
   * longer idle window. Absent: every instance keeps the agents' window.
   */
  extraIdleMs?: number;
  /**
   * Rent or buy: a lane's extras go after this many of its boot times (its instances' longest
   * `boot_ms`), within `extraIdleMinMs` … `extraIdleMs`; an extra that boots quickly is cheap to boot
   * again, one that boots slowly is kept longer. Absent: `extraIdleMs` for every lane.
   */
  extraIdlePerBoot?: number;
  /** The shortest extras window under `extraIdlePerBoot`. */
  extraIdleMinMs?: number;
  /**
   * Drain before boot: a lane that has instances scales up only when its waiting predictions (beyond
   * the booting instances' free slots) would not all have started on its ready instances within this
   * long, at the rate they free slots lately (`LaneState.msPerStart`): a boot (10 s to minutes) for a queue
   * that is gone sooner only adds an instance that idles. Absent, or no estimate: no such check.
   */
  drainHorizonMs?: number;
}

export const DEFAULT_SCALE_POLICY: ScalePolicy = {
  scaleUpAfterMs: 500,
  evictIdleMs: 2000,
  starveAfterMs: 5000,
  // Better than bound on both simulated traces (docs/capacity.md, round 7).
  unbound: true,
  // With the agents' 10-minute window for a model's last instance: 6.6 and 7.7 points more
  // utilization on the simulated traces, p99 still under a median boot (docs/capacity.md, round 8).
  extraIdleMs: 120_000,
  // With both below: 70.1% utilization on the diurnal trace with p99 under a median boot, 63.1% on
  // the bursty one (from 63.0% and 58.2%; docs/capacity.md, round 9).
  extraIdlePerBoot: 1.5,
  extraIdleMinMs: 60_000,
  drainHorizonMs: 20_000,
};

/**
 * How long another model's instance must have idled before this lane may replace it: the policy's
 * `evictIdleMs`, or no time at all for a lane with no instance that has waited `starveAfterMs`. Pure.
 */
export function evictAfterMs(policy: ScalePolicy, lane: LaneState, instances: number): number {
  const starving = instances === 0 && policy.starveAfterMs !== undefined && lane.waitedMs >= policy.starveAfterMs;
  return starving ? 0 : policy.evictIdleMs;
}

/** What the lane looks like to the prediction at its head. */
export interface LaneState {
  /** How long the head has waited since it was queued. */
  waitedMs: number;
  /** Predictions waiting in the lane, the head included. */
  waiting: number;
  /** How often the lane's ready instances free a slot, lately: their mean predict time over their slots (`msPerStart`); absent: unknown. */
  msPerStart?: number;
}

/** Whether an agent takes work: heard from within `staleMs` (never stale when infinite: the simulator), and not draining for a stop. */
export const takesWork = (a: AgentHeartbeat, now: Date, staleMs: number) =>
  a.draining !== true && (staleMs === Number.POSITIVE_INFINITY || now.getTime() - Date.parse(a.at) <= staleMs);

/** What serves a lane now: live instances, and the free slots of those still booting. */
export interface LaneCounts {
  live: number;
  bootingFree: number;
}

/** Counts the lane's instances on fresh agents of its hardware, in one pass. Pure. */
export function laneCounts(
  agents: Iterable<AgentHeartbeat>,
  job: PlacementJob,
  now: Date,
  staleMs: number,
): LaneCounts {
  let live = 0;
  let bootingFree = 0;
  for (const a of agents) {
    if (a.sku !== job.hardware || !takesWork(a, now, staleMs)) continue;
    for (const i of a.instances) {
      if (!serves(i, job)) continue;
      live++;
      if (i.state === "booting") bootingFree += i.concurrency - i.running;
    }
  }
  return { live, bootingFree };
}

/** A head that waited this many drain horizons scales its lane up whatever the estimate says. */
export const DRAIN_GIVE_UP = 4;

/**
 * Whether to boot one more instance for a lane with these counts: always when none serves it;
 * otherwise only when the head has waited past `scaleUpAfterMs` (the busy instances are not keeping
 * up), the instances already booting have fewer free slots than the predictions waiting, and
 * (`drainHorizonMs`) the ready instances would not start the rest within the horizon, or the head
 * has waited {@link DRAIN_GIVE_UP} horizons. `waiting` is this scheduler's queue: with several
 * schedulers each sees its share of a lane, so the horizon is in effect longer. Pure.
 */
export function bootAllowed(counts: LaneCounts, job: PlacementJob, lane: LaneState, policy: ScalePolicy): boolean {
  if (job.maxInstances !== undefined && counts.live >= job.maxInstances) return false;
  if (counts.live === 0) return true;
  const beyond = lane.waiting - counts.bootingFree;
  if (lane.waitedMs < policy.scaleUpAfterMs || beyond <= 0) return false;
  if (policy.drainHorizonMs === undefined || lane.msPerStart === undefined) return true;
  // The estimate moves only when a prediction ends: a head that waited DRAIN_GIVE_UP horizons
  // boots whatever it says (a hung instance, predictions grown slower).
  if (lane.waitedMs >= DRAIN_GIVE_UP * policy.drainHorizonMs) return true;
  return beyond * lane.msPerStart > policy.drainHorizonMs;
}

/**
 * How often the job's ready instances free a slot, lately: the mean of their recent predict times
 * (`predict_ms`, as their agents report it) over their slots; undefined when none is ready or none
 * has run anything yet. Pure.
 */
export function msPerStart(
  agents: Iterable<AgentHeartbeat>,
  job: PlacementJob,
  now: Date,
  staleMs: number,
): number | undefined {
  let slots = 0;
  let sum = 0;
  let known = 0;
  for (const a of agents) {
    if (a.sku !== job.hardware || !takesWork(a, now, staleMs)) continue;
    for (const i of a.instances) {
      if (!serves(i, job) || i.state === "booting") continue;
      slots += i.concurrency;
      if (typeof i.predict_ms === "number") {
        sum += i.predict_ms;
        known++;
      }
    }
  }
  return slots > 0 && known > 0 ? sum / known / slots : undefined;
}

/** {@link bootAllowed} on the agents' heartbeats. Pure. */
export function shouldBoot(
  agents: Iterable<AgentHeartbeat>,
  job: PlacementJob,
  lane: LaneState,
  policy: ScalePolicy,
  now: Date,
  staleMs: number,
): boolean {
  return bootAllowed(laneCounts(agents, job, now, staleMs), job, lane, policy);
}

export interface Candidate {
  agentId: string;
  /** A ready (or booting) instance of the version has a free slot there. */
  warm: boolean;
}

/** Whether an instance serves the job's predictions (same version, same deployment or none). */
export function serves(i: InstanceStatus, job: Pick<PlacementJob, "versionId" | "deployment">): boolean {
  return i.version_id === job.versionId && (i.deployment ?? null) === job.deployment && i.state !== "failed";
}

/** Live instances that serve the job, on fresh agents of its hardware. */
export function instanceCount(agents: Iterable<AgentHeartbeat>, job: PlacementJob, now: Date, staleMs: number) {
  return laneCounts(agents, job, now, staleMs).live;
}

/**
 * Where a prediction may go, best first: agents of the job's SKU with a warm instance that
 * serves it and has a free slot (least loaded first), then, when booting is allowed and the job
 * is under its `maxInstances`, agents with room to boot one (a free slot, or an instance idle for
 * `evictIdleMs` that no deployment keeps warm; emptiest first). Stale agents are skipped.
 */
export function rankCandidates(
  agents: Iterable<AgentHeartbeat>,
  job: PlacementJob,
  now: Date,
  staleMs: number,
  boot: { allowed: boolean; evictIdleMs: number; unbound?: boolean } = { allowed: true, evictIdleMs: 0 },
): Candidate[] {
  const all = [...agents].filter((a) => a.sku === job.hardware && takesWork(a, now, staleMs));
  const warm: { agentId: string; load: number }[] = [];
  const cold: { agentId: string; load: number }[] = [];
  const canBoot =
    boot.allowed && (job.maxInstances === undefined || instanceCount(all, job, now, staleMs) < job.maxInstances);
  const evictable = (i: InstanceStatus) =>
    i.running === 0 &&
    i.state !== "booting" &&
    i.leased !== true &&
    (i.last_used === undefined || now.getTime() - Date.parse(i.last_used) >= boot.evictIdleMs);
  for (const a of all) {
    // Unbound boots: a booting instance's slots are no one's until it is ready.
    const mine = a.instances.filter(
      (i) => serves(i, job) && i.running < i.concurrency && !(boot.unbound && i.state === "booting"),
    );
    if (mine.length > 0) {
      const load = Math.min(...mine.map((i) => i.running / i.concurrency));
      warm.push({ agentId: a.agent_id, load });
      continue;
    }
    if (!canBoot) continue;
    const live = a.instances.filter((i) => i.state !== "failed");
    const room = live.length < a.slots || live.some(evictable);
    if (room) cold.push({ agentId: a.agent_id, load: live.length / a.slots });
  }
  warm.sort((x, y) => x.load - y.load);
  cold.sort((x, y) => x.load - y.load);
  return [
    ...warm.map((c) => ({ agentId: c.agentId, warm: true })),
    ...cold.map((c) => ({ agentId: c.agentId, warm: false })),
  ];
}

/**
 * What the scheduler assumes right after placing a prediction, until the agent's next heartbeat
 * says otherwise: one more running prediction on the job's instance (a booting one if new); or,
 * for an unbound boot (`boot`), one more booting instance with nothing on it.
 */
export function assumePlaced(
  agent: AgentHeartbeat,
  job: Pick<PlacementJob, "versionId" | "deployment">,
  concurrency: number,
  boot = false,
): AgentHeartbeat {
  const instances = [...agent.instances];
  const i = boot ? -1 : instances.findIndex((x) => serves(x, job) && x.running < x.concurrency);
  const existing = instances[i];
  if (existing) instances[i] = { ...existing, running: existing.running + 1 };
  else
    instances.push({
      version_id: job.versionId,
      deployment: job.deployment,
      state: "booting",
      concurrency,
      running: boot ? 0 : 1,
      booted_at: null,
    });
  return { ...agent, instances };
}

/** A placement this scheduler made that an agent's heartbeat may not show yet. */
export interface Assumption {
  job: Pick<PlacementJob, "versionId" | "deployment">;
  concurrency: number;
  /** When the agent accepted it (epoch ms, the scheduler's clock). */
  at: number;
  /** An unbound boot: a new instance, nothing placed on it. */
  boot?: boolean;
}

/** How long an assumption outlives a heartbeat that should show it (clock skew between hosts). */
export const ASSUME_MS = 3000;

/**
 * A heartbeat as this scheduler should see it: the placements made after the heartbeat was
 * taken (and within {@link ASSUME_MS}) laid over it, so that a heartbeat in flight while a
 * prediction was placed does not undo the placement (and let a second boot past
 * `max_instances`). Returns the heartbeat and the assumptions still pending. Pure.
 */
export function withAssumed(
  hb: AgentHeartbeat,
  pending: readonly Assumption[],
  now: number,
): { heartbeat: AgentHeartbeat; pending: Assumption[] } {
  const taken = Date.parse(hb.at);
  const keep = pending.filter((a) => a.at > taken && now - a.at < ASSUME_MS);
  return { heartbeat: keep.reduce((h, a) => assumePlaced(h, a.job, a.concurrency, a.boot), hb), pending: keep };
}
