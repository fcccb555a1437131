import type { InstanceStatus } from "@gantry/contracts/agents";
import type { RunRequest } from "@gantry/contracts/jobs";
import type { Logger } from "@gantry/platform/logger";
import { type InstanceOptions, ModelInstance } from "./model-instance.ts";

export interface PoolOptions {
  /** Model instances this host holds at once (failed ones do not count). */
  slots: number;
  /** Replacements of a server that keeps dying, at most, before the agent stops replacing it. */
  maxRestarts: number;
  /** A server that lived this long before dying starts a new restart count. */
  restartWindowMs: number;
  instance: Pick<InstanceOptions, "cwd" | "setupTimeoutMs" | "healthIntervalMs" | "gpus">;
  log: Logger;
  now: () => Date;
  /** A server went away on its own: whatever ran on it is lost (the pool replaces the server). */
  onLost: (instance: ModelInstance, reason: string) => void;
}

/** How much of an instance's error a heartbeat carries. */
const HEARTBEAT_ERROR_CHARS = 1000;

/**
 * The model servers of this host: places predictions on them (a warm instance with a free slot,
 * else a new one in a free or idle slot), replaces servers that die, and reports them.
 */
export class InstancePool {
  readonly #o: PoolOptions;
  readonly #instances: ModelInstance[] = [];
  /** Until when (epoch ms) an instance is kept warm for a deployment. */
  readonly #leases = new Map<ModelInstance, number>();

  constructor(options: PoolOptions) {
    this.#o = options;
  }

  list(): readonly ModelInstance[] {
    return this.#instances;
  }

  /** Instances that still hold a slot: booting, ready or busy. */
  #live(): ModelInstance[] {
    return this.#instances.filter((i) => i.state !== "failed");
  }

  /**
   * A warm instance of the version with a free slot, else a new one. `cold` is true while the
   * instance is still booting. `null` when every slot is taken by a busy instance.
   */
  async place(req: RunRequest): Promise<{ instance: ModelInstance; cold: boolean } | null> {
    const warm = this.#live().find((i) => i.versionId === req.version_id && i.free > 0);
    if (warm) return { instance: warm, cold: warm.state === "booting" };
    if (this.#live().length >= this.#o.slots) {
      const idle = this.#live()
        .filter((i) => i.running.size === 0 && i.state !== "booting")
        .sort((a, b) => a.lastUsed.getTime() - b.lastUsed.getTime())[0];
      if (!idle) return null;
      this.remove(idle);
      await idle.stop();
    }
    return { instance: this.#boot(req.version_id, req.runtime, req.concurrency, 0), cold: true };
  }

  #boot(versionId: string, runtime: RunRequest["runtime"], concurrency: number, restarts: number): ModelInstance {
    // A failed instance of the version is reported until a new one replaces it.
    for (const old of this.#instances.filter((i) => i.versionId === versionId && i.state === "failed")) {
      this.remove(old);
    }
    const instance = new ModelInstance({
      ...this.#o.instance,
      versionId,
      runtime,
      concurrency,
      restarts,
      log: this.#o.log,
      now: this.#o.now,
      onExit: (dead, reason) => this.#lost(dead, reason),
    });
    this.#instances.push(instance);
    this.#trimFailed();
    return instance;
  }

  /** Keeps at most `slots` failed instances for the heartbeat, dropping the oldest. */
  #trimFailed(): void {
    const failed = this.#instances.filter((i) => i.state === "failed");
    for (const old of failed.slice(0, Math.max(0, failed.length - this.#o.slots))) this.remove(old);
  }

  /** A ready server died: its runs are lost, and a new server of the version boots in its place. */
  #lost(dead: ModelInstance, reason: string): void {
    this.#o.log.warn("model server died", { version: dead.versionId, instance: dead.id, reason });
    this.#o.onLost(dead, reason);
    const lived = dead.bootedAt ? this.#o.now().getTime() - dead.bootedAt.getTime() : 0;
    const restarts = lived >= this.#o.restartWindowMs ? 1 : dead.restarts + 1;
    if (restarts > this.#o.maxRestarts) {
      this.#o.log.error("model server keeps dying; not restarting it", { version: dead.versionId, restarts });
      return;
    }
    if (this.#live().length >= this.#o.slots) return;
    this.remove(dead);
    const next = this.#boot(dead.versionId, dead.runtime, dead.concurrency, restarts);
    this.#o.log.info("restarting model server", { version: dead.versionId, instance: next.id, restarts });
  }

  /**
   * Keeps at least `count` live instances of the version, booting what is missing in free (or
   * idle, unleased) slots, and leases them all until `until` (epoch ms). Returns how many there are.
   */
  async warm(versionId: string, runtime: RunRequest["runtime"], concurrency: number, count: number, until: number) {
    let mine = this.#live().filter((i) => i.versionId === versionId);
    while (mine.length < count) {
      if (this.#live().length >= this.#o.slots) {
        const t = this.#o.now().getTime();
        const idle = this.#live()
          .filter((i) => i.versionId !== versionId && i.running.size === 0 && i.state !== "booting")
          .filter((i) => (this.#leases.get(i) ?? 0) < t)
          .sort((a, b) => a.lastUsed.getTime() - b.lastUsed.getTime())[0];
        if (!idle) break;
        this.remove(idle);
        await idle.stop();
      }
      this.#boot(versionId, runtime, concurrency, 0);
      mine = this.#live().filter((i) => i.versionId === versionId);
    }
    for (const i of mine.slice(0, count)) this.#leases.set(i, Math.max(this.#leases.get(i) ?? 0, until));
    return mine.length;
  }

  /** Stops ready instances that ran nothing for `idleMs` and hold no lease: capacity scales to zero. */
  async stopIdle(idleMs: number): Promise<void> {
    const t = this.#o.now().getTime();
    const idle = this.#live().filter(
      (i) =>
        i.state === "ready" &&
        i.running.size === 0 &&
        t - i.lastUsed.getTime() >= idleMs &&
        (this.#leases.get(i) ?? 0) < t,
    );
    for (const i of idle) {
      this.remove(i);
      this.#o.log.info("stopping idle model server", { version: i.versionId, instance: i.id });
      await i.stop();
    }
  }

  remove(instance: ModelInstance): void {
    this.#leases.delete(instance);
    const i = this.#instances.indexOf(instance);
    if (i >= 0) this.#instances.splice(i, 1);
  }

  /** What a heartbeat says about each instance. */
  statuses(): InstanceStatus[] {
    return this.#instances.map((i) => ({
      version_id: i.versionId,
      state: i.state === "ready" && i.running.size >= i.concurrency ? "busy" : i.state,
      concurrency: i.concurrency,
      running: i.running.size,
      booted_at: i.bootedAt?.toISOString() ?? null,
      boot_ms: i.bootMs,
      error: i.error ? i.error.slice(0, HEARTBEAT_ERROR_CHARS) : null,
      restarts: i.restarts,
    }));
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.#instances.map((i) => i.stop()));
  }
}
