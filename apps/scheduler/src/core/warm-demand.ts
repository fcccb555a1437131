import type { ScalingKnobs } from "@gantry/contracts/scaling";

/**
 * Predictive pre-warm: how many instances each lane should keep booted, from its recent arrivals.
 * The live scheduler (the deployment keeper's pre-warm) and the fleet simulator both decide with
 * this code. Pure: time comes in as arguments (epoch or simulated milliseconds).
 */

/** A scheduled pre-warm: at least `instances` between `start` and `end` (UTC, "HH:MM"; end may wrap past midnight). */
export interface PrewarmWindow {
  start: string;
  end: string;
  instances: number;
  /** Days of the week it applies on (0 = Sunday, UTC); absent: every day. */
  days?: readonly number[];
}

/** A lane's scaling knobs, resolved (deployment, else the model's defaults, else the platform's). */
export interface Scaling {
  /** Idle instances kept ready beyond the demand estimate while the lane has demand. */
  buffer: number;
  /** Predictions each instance is planned to run at once (1 for models that run one at a time). */
  targetConcurrency: number;
  /** Instances are released only once the estimate has stayed below them this long. */
  scaleDownWindowMs: number;
  /** Boot ahead of demand from the arrival-rate estimate (false: only windows, buffer, minimum). */
  predictive: boolean;
  prewarm: readonly PrewarmWindow[];
}

/**
 * The platform's scaling. Predictive pre-warm is off by default: in the simulator it bought p99
 * wait at a large cost in utilization (docs/capacity.md, round 6); a deployment or model opts in.
 */
export const DEFAULT_SCALING: Scaling = {
  buffer: 0,
  targetConcurrency: 1,
  scaleDownWindowMs: 120_000,
  predictive: false,
  prewarm: [],
};

/** How the estimate is made: not user knobs, the platform's tuning (docs/capacity.md). */
export interface DemandModel {
  /** Time constant of the arrival-rate average. */
  rateTauMs: number;
  /** Weight of each new predict time in the service-time average. */
  serviceAlpha: number;
  /** Square-root staffing: instances = load + z·√load (the variance of Poisson arrivals). */
  z: number;
  /**
   * Rent or buy: an idle instance is kept while the arrivals expected within `keepBoots` of its
   * boot time number at least one (a model that boots in 2 min is worth keeping longer than one
   * that boots in 10 s).
   */
  keepBoots: number;
}

export const DEFAULT_DEMAND_MODEL: DemandModel = { rateTauMs: 300_000, serviceAlpha: 0.05, z: 1, keepBoots: 2 };

interface Lane {
  /** Arrivals per ms, as of `at`. */
  rate: number;
  at: number;
  /** Mean predict time (ms); 0 until one finished. */
  serviceMs: number;
  /** Mean cold boot (ms) seen; 0 until one was. */
  bootMs: number;
  /** Predictions arrived and not yet finished. */
  inflight: number;
  /** Recent targets for the scale-down window: (time, instances), instances strictly decreasing. */
  held: { at: number; n: number }[];
}

/** Arrivals, predict times and boots per lane, and the instances they call for. */
export class DemandTracker {
  readonly #lanes = new Map<string, Lane>();

  constructor(readonly model: DemandModel = DEFAULT_DEMAND_MODEL) {}

  #lane(key: string, now: number): Lane {
    let l = this.#lanes.get(key);
    if (!l) {
      l = { rate: 0, at: now, serviceMs: 0, bootMs: 0, inflight: 0, held: [] };
      this.#lanes.set(key, l);
    }
    return l;
  }

  /** A prediction arrived in the lane. */
  arrive(key: string, now: number): void {
    const l = this.#lane(key, now);
    l.rate = this.#decayed(l, now) + 1 / this.model.rateTauMs;
    l.at = now;
    l.inflight++;
  }

  /** A prediction of the lane finished, after running `ms` (null: it never ran). */
  finished(key: string, ms: number | null, now: number): void {
    const l = this.#lane(key, now);
    l.inflight = Math.max(0, l.inflight - 1);
    if (ms === null) return;
    l.serviceMs = l.serviceMs === 0 ? ms : l.serviceMs + this.model.serviceAlpha * (ms - l.serviceMs);
  }

  /** An instance of the lane booted in `ms`. */
  booted(key: string, ms: number, now: number): void {
    const l = this.#lane(key, now);
    l.bootMs = l.bootMs === 0 ? ms : l.bootMs + 0.2 * (ms - l.bootMs);
  }

  #decayed(l: Lane, now: number): number {
    return l.rate * Math.exp(-Math.max(0, now - l.at) / this.model.rateTauMs);
  }

  /** Arrivals per second the lane sees now. */
  ratePerS(key: string, now: number): number {
    const l = this.#lanes.get(key);
    return l ? this.#decayed(l, now) * 1000 : 0;
  }

  lanes(): IterableIterator<string> {
    return this.#lanes.keys();
  }

  /**
   * The instances the lane should keep booted now: the demand estimate (see {@link demandInstances};
   * at least what the predictions in flight need) plus the buffer, held at its highest for the scale-down window, and at least any scheduled
   * window's. Call about once a tick: each call is a sample of the window.
   */
  target(key: string, now: number, s: Scaling): number {
    const l = this.#lanes.get(key);
    // The estimate, and never fewer than the predictions in flight need now (it lags a sudden rise).
    const demand = !l
      ? 0
      : Math.max(
          s.predictive ? demandInstances(this.#decayed(l, now), l.serviceMs, l.bootMs, s, this.model) : 0,
          Math.ceil(l.inflight / Math.max(1, s.targetConcurrency)),
        );
    // The buffer is kept while the lane has demand, or had an arrival within the scale-down window.
    const active = demand > 0 || (l !== undefined && now - l.at <= s.scaleDownWindowMs);
    const raw = demand + (active ? s.buffer : 0);
    const held = l ? hold(l.held, now, raw, s.scaleDownWindowMs) : raw;
    return Math.max(held, scheduledInstances(s.prewarm, now));
  }

  /** Forgets lanes that have had no arrival for `idleMs` and hold no target. */
  prune(now: number, idleMs: number): void {
    for (const [k, l] of this.#lanes)
      if (now - l.at > idleMs && l.inflight === 0 && (l.held[0]?.n ?? 0) === 0) this.#lanes.delete(k);
  }
}

/**
 * Little's law: a lane with `ratePerMs` arrivals that each run `serviceMs` keeps rate × time
 * predictions running on average; at `targetConcurrency` each, that many instances, plus z·√ of it
 * for the variance of the arrivals. Below one instance, one is kept only while the arrivals expected
 * within `keepBoots` boot times number one or more (rent or buy); else none. Pure.
 */
export function demandInstances(
  ratePerMs: number,
  serviceMs: number,
  bootMs: number,
  s: Pick<Scaling, "targetConcurrency">,
  m: DemandModel,
): number {
  if (ratePerMs <= 0 || serviceMs <= 0) return 0;
  const load = (ratePerMs * serviceMs) / Math.max(1, s.targetConcurrency);
  const n = Math.ceil(load + m.z * Math.sqrt(load) - 1e-9);
  if (n > 1) return n;
  return ratePerMs * Math.max(bootMs, serviceMs) * m.keepBoots >= 1 ? 1 : 0;
}

/** A sliding maximum: records `n` at `now` and returns the highest value of the last `windowMs`. */
function hold(held: { at: number; n: number }[], now: number, n: number, windowMs: number): number {
  while (held.length > 0 && (held[held.length - 1]?.n ?? 0) <= n) held.pop();
  held.push({ at: now, n });
  while (held.length > 1 && (held[0]?.at ?? now) < now - windowMs) held.shift();
  return held[0]?.n ?? n;
}

const DAY_MS = 86_400_000;
const minutes = (hhmm: string) => {
  const [h = "0", m = "0"] = hhmm.split(":");
  return Number(h) * 60 + Number(m);
};

/** The instances scheduled windows ask for at `now` (the most of those open), 0 outside them. Pure. */
export function scheduledInstances(windows: readonly PrewarmWindow[], now: number): number {
  if (windows.length === 0) return 0;
  const minute = Math.floor((((now % DAY_MS) + DAY_MS) % DAY_MS) / 60_000);
  const day = new Date(now).getUTCDay();
  let n = 0;
  for (const w of windows) {
    const [a, b] = [minutes(w.start), minutes(w.end)];
    const inside = a <= b ? minute >= a && minute < b : minute >= a || minute < b;
    // A window that wraps past midnight belongs to the day it started on.
    const startedOn = a > b && minute < b ? (day + 6) % 7 : day;
    if (inside && (!w.days || w.days.includes(startedOn))) n = Math.max(n, w.instances);
  }
  return n;
}

/**
 * A lane's knobs: each set on the deployment, else the model's default, else the platform's;
 * `target_concurrency` is capped by the version's concurrency. Pure.
 */
export function resolveScaling(
  deployment: ScalingKnobs | undefined,
  model: ScalingKnobs | null | undefined,
  concurrency: number,
  platform: Scaling = DEFAULT_SCALING,
): Scaling {
  const pick = <K extends keyof ScalingKnobs>(k: K) => deployment?.[k] ?? model?.[k];
  const window = pick("scale_down_window");
  return {
    buffer: pick("buffer") ?? platform.buffer,
    targetConcurrency: Math.min(Math.max(1, concurrency), pick("target_concurrency") ?? concurrency),
    scaleDownWindowMs: window === undefined ? platform.scaleDownWindowMs : window * 1000,
    predictive: pick("predictive") ?? platform.predictive,
    prewarm: pick("prewarm") ?? platform.prewarm,
  };
}

/** A deployment's warm instances: the lane's target, at least `min_instances`, at most `max_instances`. Pure. */
export function deploymentWarm(target: number, minInstances: number, maxInstances: number): number {
  return Math.min(Math.max(target, minInstances), Math.max(minInstances, maxInstances));
}
