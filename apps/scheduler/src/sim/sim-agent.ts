import type { AgentHeartbeat, InstanceStatus } from "@gantry/contracts/agents";

/** One simulated model server. Times are milliseconds on the simulator's clock. */
export interface SimInstance {
  id: number;
  versionId: string;
  state: "booting" | "ready";
  concurrency: number;
  /** Predictions it holds (running, or waiting for its boot), by trace index. */
  running: number[];
  launchedAt: number;
  bootedAt: number | null;
  lastUsed: number;
  /** Kept warm by the pre-warm plan until its next tick (`InstancePool`'s lease): never stopped or replaced. */
  leased: boolean;
  /** It finished a prediction: its agent reports a `predict_ms` for it. */
  ran: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Why an instance left the pool: replaced for another model's boot, its idle window, trimmed as an extra, or a failed boot. */
export type GoneReason = "evicted" | "idle" | "trimmed" | "failed";

/**
 * A simulated GPU agent whose instance pool behaves as apps/gpu-agent's `InstancePool` does: a
 * prediction goes to a live instance of its version with a free slot (a booting one counts), else
 * (when the offer allows a boot) to a new instance in a free slot, or in the slot of the least
 * recently used idle instance, which is stopped; instances idle for the idle window are stopped.
 * Pre-warm (`warm`) boots instances and leases them as the pool's `warm` does; a leased instance is
 * neither stopped nor replaced. (The traces have no deployments: every instance is shared.)
 */
export class SimAgent {
  readonly instances: SimInstance[] = [];
  /** Idle instances stopped to make room for another model's boot. */
  evictions = 0;
  /** When its longest-idle instance was last used (Infinity: none idle); kept by {@link refresh}. */
  oldestIdle = Number.POSITIVE_INFINITY;
  /** Scratch mark for one placement's search of the fleet (see agents-that-matter.ts). */
  mark = 0;

  constructor(
    /** Its place in the fleet (the order the scheduler's view lists agents in). */
    readonly index: number,
    readonly agentId: string,
    readonly sku: string,
    readonly slots: number,
    /** Called when an instance leaves the pool (stopped, evicted, or failed), with the time. */
    private readonly onGone: (agent: SimAgent, i: SimInstance, at: number, reason: GoneReason) => void,
  ) {}

  /** Instances that hold a slot. (Failed ones leave the simulated pool at once.) */
  get live(): number {
    return this.instances.length;
  }

  /** Recomputes what the fleet's searches read of it: call after every change. */
  refresh(): void {
    let oldest = Number.POSITIVE_INFINITY;
    for (const i of this.instances) if (SimAgent.idle(i) && i.lastUsed < oldest) oldest = i.lastUsed;
    this.oldestIdle = oldest;
  }

  /** Whether an instance is idle and not booting: the pool may stop or replace it. */
  static idle(i: SimInstance): boolean {
    return i.running.length === 0 && i.state !== "booting" && !i.leased;
  }

  /** `InstancePool.place`: a warm instance with a free slot (a ready one first), else a new one; null when there is no room. */
  place(versionId: string, concurrency: number, boot: boolean, now: number, nextId: () => number) {
    const free = (i: SimInstance) => i.versionId === versionId && i.concurrency - i.running.length > 0;
    const warm = this.instances.find((i) => free(i) && i.state === "ready") ?? this.instances.find((i) => free(i));
    if (warm) return { instance: warm, cold: warm.state === "booting", created: false };
    if (!boot) return null;
    const instance = this.#boot(versionId, concurrency, now, nextId);
    return instance ? { instance, cold: true, created: true } : null;
  }

  /** An unbound boot (`InstancePool.warm` of one more, unleased): the instance, or null when there is no room. */
  boot(versionId: string, concurrency: number, now: number, nextId: () => number): SimInstance | null {
    return this.#boot(versionId, concurrency, now, nextId);
  }

  /** A new instance in a free slot, or in the slot of the least recently used idle one; null: no room. */
  #boot(versionId: string, concurrency: number, now: number, nextId: () => number): SimInstance | null {
    if (this.live >= this.slots && !this.#evictIdle(now)) return null;
    const instance: SimInstance = {
      id: nextId(),
      versionId,
      state: "booting",
      concurrency,
      running: [],
      launchedAt: now,
      bootedAt: null,
      lastUsed: now,
      leased: false,
      ran: false,
    };
    this.instances.push(instance);
    return instance;
  }

  /**
   * `InstancePool.warm`: keeps at least `count` instances of the version, booting what is missing in
   * free slots or in place of idle unleased instances of other models, and leases `count` of them.
   * Returns the instances it booted.
   */
  warm(versionId: string, count: number, now: number, nextId: () => number): SimInstance[] {
    const booted: SimInstance[] = [];
    let mine = this.instances.filter((i) => i.versionId === versionId);
    while (mine.length < count) {
      const instance = this.#boot(versionId, 1, now, nextId);
      if (!instance) break;
      booted.push(instance);
      mine = this.instances.filter((i) => i.versionId === versionId);
    }
    for (const i of mine.slice(0, count)) i.leased = true;
    return booted;
  }

  /** Stops the least recently used idle instance (the first of equals, as the pool's stable sort picks). */
  #evictIdle(now: number): boolean {
    let lru: SimInstance | undefined;
    for (const i of this.instances) if (SimAgent.idle(i) && (!lru || i.lastUsed < lru.lastUsed)) lru = i;
    if (!lru) return false;
    this.evictions++;
    this.remove(lru, now, "evicted");
    return true;
  }

  /** `InstancePool.stopIdle`: stops ready instances that ran nothing for `idleMs`. True when one stopped. */
  stopIdle(idleMs: number | ((i: SimInstance) => number), now: number): boolean {
    const windowOf = typeof idleMs === "number" ? () => idleMs : idleMs;
    const idle = this.instances.filter(
      (i) => i.state === "ready" && i.running.length === 0 && !i.leased && now - i.lastUsed >= windowOf(i),
    );
    for (const i of idle) this.remove(i, now, "idle");
    return idle.length > 0;
  }

  /** `InstancePool.trim`: stops up to `count` idle extras of the version, those idle longest first. */
  trim(versionId: string, count: number, idleMs: number, now: number): number {
    const idle = this.instances
      .filter(
        (i) =>
          i.versionId === versionId &&
          i.state === "ready" &&
          i.running.length === 0 &&
          !i.leased &&
          now - i.lastUsed >= idleMs,
      )
      .sort((a, b) => a.lastUsed - b.lastUsed)
      .slice(0, count);
    for (const i of idle) this.remove(i, now, "trimmed");
    return idle.length;
  }

  remove(instance: SimInstance, now: number, reason: GoneReason): void {
    const k = this.instances.indexOf(instance);
    if (k < 0) return;
    this.instances.splice(k, 1);
    this.onGone(this, instance, now, reason);
  }

  /** What the agent's heartbeat says, as `InstancePool.statuses` writes it. */
  heartbeat(now: number): AgentHeartbeat {
    const instances: InstanceStatus[] = this.instances.map((i) => ({
      version_id: i.versionId,
      deployment: null,
      leased: i.leased,
      last_used: iso(i.lastUsed),
      state: i.state === "ready" && i.running.length >= i.concurrency ? "busy" : i.state,
      concurrency: i.concurrency,
      running: i.running.length,
      booted_at: i.bootedAt === null ? null : iso(i.bootedAt),
      boot_ms: i.bootedAt === null ? null : i.bootedAt - i.launchedAt,
    }));
    return {
      agent_id: this.agentId,
      sku: this.sku,
      emulated: true,
      gpus: [],
      slots: this.slots,
      instances,
      at: iso(now),
    };
  }
}
