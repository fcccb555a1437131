import { MinTree } from "./min-tree.ts";
import type { SimAgent } from "./sim-agent.ts";

let stamp = 0;

interface Hardware {
  agents: SimAgent[];
  /** Each agent's live instances, by its place among the hardware's agents. */
  live: MinTree;
  /** When each agent's longest-idle instance was last used (Infinity: none idle). */
  idle: MinTree;
}

/**
 * What the placement shortcut reads of the fleet, kept as agents change rather than searched for
 * every prediction: per hardware, the agents' instance counts and oldest idle instance in trees that
 * find the first agent (in fleet order) under a bound; per version, the agents with a free slot on
 * one of its instances.
 */
export class FleetIndex {
  readonly #hardware = new Map<string, Hardware>();
  readonly #place = new Map<SimAgent, number>();
  readonly #free = new Map<string, Set<SimAgent>>();
  readonly #freeOf = new Map<SimAgent, string[]>();
  /**
   * Per hardware and version, the slots of ready instances and how many of them finished a
   * prediction; and each agent's share of them as last counted.
   */
  readonly #ready = new Map<string, { slots: number; ran: number }>();
  readonly #readyOf = new Map<SimAgent, { key: string; slots: number; ran: number }[]>();

  constructor(fleet: readonly SimAgent[]) {
    const bySku = new Map<string, SimAgent[]>();
    for (const a of fleet) {
      const agents = bySku.get(a.sku) ?? [];
      bySku.set(a.sku, agents);
      this.#place.set(a, agents.length);
      agents.push(a);
    }
    for (const [sku, agents] of bySku)
      this.#hardware.set(sku, { agents, live: new MinTree(agents.length), idle: new MinTree(agents.length) });
    for (const a of fleet) this.update(a);
  }

  /** Its instance count changed (before its heartbeat: a boot or a stop). */
  live(a: SimAgent): void {
    this.#hardware.get(a.sku)?.live.set(this.#place.get(a) ?? 0, a.live);
  }

  /** Call after every change of the agent (with its heartbeat): `oldestIdle` must be fresh. */
  update(a: SimAgent): void {
    const hw = this.#hardware.get(a.sku);
    const place = this.#place.get(a) ?? 0;
    hw?.live.set(place, a.live);
    hw?.idle.set(place, a.oldestIdle);
    const was = this.#freeOf.get(a) ?? [];
    const free: string[] = [];
    for (const i of a.instances)
      if (i.running.length < i.concurrency && !free.includes(i.versionId)) free.push(i.versionId);
    for (const v of was) if (!free.includes(v)) this.#free.get(v)?.delete(a);
    for (const v of free) {
      if (was.includes(v)) continue;
      let set = this.#free.get(v);
      if (!set) {
        set = new Set();
        this.#free.set(v, set);
      }
      set.add(a);
    }
    this.#freeOf.set(a, free);
    const count = (key: string, slots: number, ran: number) => {
      const c = this.#ready.get(key) ?? { slots: 0, ran: 0 };
      this.#ready.set(key, { slots: c.slots + slots, ran: c.ran + ran });
    };
    for (const r of this.#readyOf.get(a) ?? []) count(r.key, -r.slots, -r.ran);
    const ready = a.instances
      .filter((i) => i.state === "ready")
      .map((i) => ({ key: `${a.sku}\u0000${i.versionId}`, slots: i.concurrency, ran: i.ran ? 1 : 0 }));
    for (const r of ready) count(r.key, r.slots, r.ran);
    this.#readyOf.set(a, ready);
  }

  /**
   * The slots of the version's ready instances on agents of the hardware, and how many of those
   * instances finished a prediction (as the live placer's `msPerStart` knows a rate only from those).
   */
  ready(sku: string, versionId: string): { slots: number; ran: number } {
    return this.#ready.get(`${sku}\u0000${versionId}`) ?? { slots: 0, ran: 0 };
  }

  /** Agents with a free slot on an instance of the version (booting ones included). */
  free(versionId: string): ReadonlySet<SimAgent> {
    return this.#free.get(versionId) ?? EMPTY;
  }

  /**
   * The first agent of the hardware, in fleet order, not marked `mark`, whose value in `tree` is at
   * most `limit`. Marked agents are skipped one by one (they are the few warm candidates).
   */
  first(sku: string, tree: "live" | "idle", limit: number, mark: number): SimAgent | undefined {
    const hw = this.#hardware.get(sku);
    if (!hw) return undefined;
    for (let k = hw[tree].first(limit); k >= 0; k = hw[tree].first(limit, k + 1)) {
      const a = hw.agents[k];
      if (a && a.mark !== mark) return a;
    }
    return undefined;
  }
}

const EMPTY: ReadonlySet<SimAgent> = new Set();

/**
 * The agents whose heartbeats decide where a prediction of `versionId` goes, in fleet order, so
 * that placement need not read every heartbeat of a large fleet for each prediction:
 * - every agent with an instance of the version that has a free slot (the warm candidates, and
 *   the booting capacity `shouldBoot` counts), or, when there is none, one agent holding an instance
 *   of it at all (so "no instance yet" reads the same: placement asks only whether the lane has
 *   one, and such an agent, full or not, never ranks before the agent chosen to boot below);
 * - of the agents with no free instance of it, the one `rankCandidates` would put first to boot
 *   (its sort is stable, by load): the first with the lowest load below its slots, else the first
 *   full one with an idle instance, old enough for `evictIdleMs` or of any age (lanes that may
 *   replace any idle instance).
 * A job with `max_instances` counts every instance, so it gets every holder. `holders` lists the
 * agents holding an instance of each version; `index` must be up to date with every agent.
 * `exact` simulations hand placement every agent instead; tests check that both give the same run.
 */
export function agentsThatMatter(
  index: FleetIndex,
  holders: ReadonlyMap<string, ReadonlySet<SimAgent>>,
  job: { versionId: string; hardware: string; maxInstances?: number },
  now: number,
  evictIdleMs: number,
  slots: number,
): SimAgent[] {
  const out: SimAgent[] = [];
  const warm = ++stamp;
  const mine = (a: SimAgent) => {
    a.mark = warm;
    out.push(a);
  };
  if (job.maxInstances !== undefined) {
    for (const a of holders.get(job.versionId) ?? []) if (a.sku === job.hardware) mine(a);
  } else {
    for (const a of index.free(job.versionId)) if (a.sku === job.hardware) mine(a);
    if (out.length === 0)
      for (const a of holders.get(job.versionId) ?? [])
        if (a.sku === job.hardware) {
          out.push(a);
          break;
        }
  }
  // The emptiest agent below its slots: the first with the fewest instances.
  let boot: SimAgent | undefined;
  for (let n = 0; n < slots && !boot; n++) boot = index.first(job.hardware, "live", n, warm);
  // Else a full one with an idle instance to replace: the first whose idle instance is old enough
  // for `evictIdleMs`, and the first with any (a starving lane may replace any idle instance).
  const full = boot
    ? [boot]
    : [
        index.first(job.hardware, "idle", now - evictIdleMs, warm),
        index.first(job.hardware, "idle", Number.MAX_VALUE, warm),
      ];
  for (const a of full) if (a && !out.includes(a)) out.push(a);
  return out.sort((x, y) => x.index - y.index);
}
