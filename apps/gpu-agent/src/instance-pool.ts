import type { InstanceStatus } from "@gantry/contracts/agents";
import type { RunRequest, WarmRequest } from "@gantry/contracts/jobs";
import type { Logger } from "@gantry/platform/logger";
import {
  afterFailure,
  type BackoffPolicy,
  type BootFailures,
  DEFAULT_BOOT_BACKOFF,
  heldUntil,
  holdMessage,
} from "./core/boot-backoff.ts";
import { type InstanceOptions, ModelInstance, type Tenancy } from "./model-instance.ts";

export interface PoolOptions {
  /** Model instances this host holds at once (failed ones do not count). */
  slots: number;
  /** Replacements of a server that keeps dying, at most, before the agent stops replacing it. */
  maxRestarts: number;
  /** A server that lived this long before dying starts a new restart count. */
  restartWindowMs: number;
  /** How long a version waits before booting again after boots that failed (default: 1 s doubling to 30 s, then 60 s unavailable after 5). */
  backoff?: BackoffPolicy;
  instance: Pick<
    InstanceOptions,
    | "cwd"
    | "setupTimeoutMs"
    | "unreachableMs"
    | "healthIntervalMs"
    | "gpus"
    | "ledger"
    | "fetchWeights"
    | "inheritedEnv"
    | "uploadUrl"
    | "weightsUrl"
  >;
  log: Logger;
  now: () => Date;
  /** A server went away on its own: whatever ran on it is lost (the pool replaces the server). */
  onLost: (instance: ModelInstance, reason: string) => void;
  /** An instance was launched, and one left the pool (stopped, or failed and replaced): for metering. */
  onLaunched?: (instance: ModelInstance) => void;
  onGone?: (instance: ModelInstance) => void;
}

/** What to run: a version's server, for whom. */
export interface InstanceSpec {
  versionId: string;
  runtime: RunRequest["runtime"];
  concurrency: number;
  tenancy: Tenancy;
}

/**
 * The spec of the instance a run request needs, or a warm request keeps (a deployment's, billed
 * by up time to the deployment's account).
 */
export function specOf(req: RunRequest | WarmRequest): InstanceSpec {
  return {
    versionId: req.version_id,
    runtime: req.runtime,
    concurrency: req.concurrency,
    tenancy: {
      deployment: req.deployment ?? null,
      billing: req.billing ?? "predict",
      accountId: req.account_id ?? "gantry",
      model: req.model ?? "",
    },
  };
}

/** Sorts ready instances before booting ones. */
const booting = (i: ModelInstance) => (i.state === "booting" ? 1 : 0);

/** Versions whose last boot time the pool keeps (for boot estimates). */
const BOOT_TIMES_KEPT = 1000;

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
  /** Versions whose last boots failed (by version id): no new boot before their back-off ends. */
  readonly #failures = new Map<string, BootFailures>();
  /** How long each version's last boot here took (by version id; the most recent versions only). */
  readonly #bootMs = new Map<string, number>();

  constructor(options: PoolOptions) {
    this.#o = options;
  }

  get #backoff(): BackoffPolicy {
    return this.#o.backoff ?? DEFAULT_BOOT_BACKOFF;
  }

  /** Why the version may not boot now (its back-off), or null. */
  #held(versionId: string): string | null {
    const state = this.#failures.get(versionId);
    const t = this.#o.now().getTime();
    return state && heldUntil(state, t) !== null ? holdMessage(state, t, this.#backoff) : null;
  }

  /** How long the version's last boot on this host took; null when it never booted here. */
  lastBootMs(versionId: string): number | null {
    return this.#bootMs.get(versionId) ?? null;
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
    const spec = specOf(req);
    // A ready instance first: a booting one keeps the prediction waiting for its boot.
    const free = this.#live().filter(
      (i) =>
        i.serves(spec.versionId, spec.tenancy.deployment) && i.free > 0 && !(req.ready_only && i.state === "booting"),
    );
    const warm = free.find((i) => i.state !== "booting") ?? free[0];
    if (warm) return { instance: warm, cold: warm.state === "booting" };
    if (req.boot === false) return null;
    // A version whose boots keep failing takes no slot: its predictions fail at once, saying why.
    const held = this.#held(spec.versionId);
    if (held) return { instance: this.#refused(spec, held), cold: false };
    if (this.#live().length >= this.#o.slots && !(await this.#evictIdle(() => true))) return null;
    return { instance: this.#boot(spec, 0), cold: true };
  }

  /** An instance that never launches: its `ready` fails with `why`, and it holds no slot. */
  #refused(spec: InstanceSpec, why: string): ModelInstance {
    return new ModelInstance({
      ...this.#o.instance,
      ...spec,
      refusal: why,
      log: this.#o.log,
      now: this.#o.now,
      onExit: () => {},
    });
  }

  /**
   * Stops the least recently used idle instance that no lease keeps warm and `may` allows. A
   * replacement still booting after its predecessor died, that nothing waits for, is idle too:
   * it must not keep a slot a prediction needs. Ready ones go first.
   */
  async #evictIdle(may: (i: ModelInstance) => boolean): Promise<boolean> {
    const t = this.#o.now().getTime();
    const idle = this.#live()
      .filter((i) => i.running.size === 0 && (i.state !== "booting" || i.restarts > 0) && !this.#leased(i, t) && may(i))
      .sort((a, b) => booting(a) - booting(b) || a.lastUsed.getTime() - b.lastUsed.getTime())[0];
    if (!idle) return false;
    this.remove(idle);
    await idle.stop();
    return true;
  }

  #leased(i: ModelInstance, t: number): boolean {
    return (this.#leases.get(i) ?? 0) >= t;
  }

  #boot(spec: InstanceSpec, restarts: number): ModelInstance {
    const { versionId, tenancy } = spec;
    // A failed instance of the version is reported until a new one replaces it.
    for (const old of this.#instances.filter((i) => i.serves(versionId, tenancy.deployment) && i.state === "failed")) {
      this.remove(old);
    }
    const instance = new ModelInstance({
      ...this.#o.instance,
      ...spec,
      restarts,
      log: this.#o.log,
      now: this.#o.now,
      onExit: (dead, reason) => this.#lost(dead, reason),
    });
    this.#instances.push(instance);
    this.#o.onLaunched?.(instance);
    instance.ready.then(
      () => {
        this.#failures.delete(versionId);
        this.#bootMs.delete(versionId);
        this.#bootMs.set(versionId, instance.bootMs ?? 0);
        if (this.#bootMs.size > BOOT_TIMES_KEPT) this.#bootMs.delete(this.#bootMs.keys().next().value ?? "");
      },
      (err: unknown) => {
        // A server that never became ready is gone as far as metering goes (its setup time counts).
        this.#o.onGone?.(instance);
        // Stopped during setup (evicted, the agent stopping) is not a failure of the version.
        if (instance.stoppedDuringSetup) return;
        const error = err instanceof Error ? err.message : String(err);
        const state = afterFailure(this.#failures.get(versionId), this.#o.now().getTime(), error, this.#backoff);
        this.#failures.set(versionId, state);
        this.#o.log.warn("model server failed to boot; holding the version's boots", {
          version: versionId,
          failures: state.failures,
          until: new Date(state.until).toISOString(),
        });
      },
    );
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
    this.#o.onGone?.(dead);
    const lived = dead.bootedAt ? this.#o.now().getTime() - dead.bootedAt.getTime() : 0;
    const restarts = lived >= this.#o.restartWindowMs ? 1 : dead.restarts + 1;
    if (restarts > this.#o.maxRestarts) {
      this.#o.log.error("model server keeps dying; not restarting it", { version: dead.versionId, restarts });
      return;
    }
    if (this.#live().length >= this.#o.slots || this.#held(dead.versionId)) return;
    this.remove(dead);
    const next = this.#boot(dead, restarts);
    this.#o.log.info("restarting model server", { version: dead.versionId, instance: next.id, restarts });
  }

  /**
   * Keeps at least `count` live instances of the spec (version and deployment), booting what is
   * missing in free (or idle, unleased) slots, and leases them all until `until` (epoch ms).
   * Returns how many there are.
   */
  async warm(spec: InstanceSpec, count: number, until: number) {
    const mine = () => this.#live().filter((i) => i.serves(spec.versionId, spec.tenancy.deployment));
    while (mine().length < count && !this.#held(spec.versionId)) {
      const other = (i: ModelInstance) => !i.serves(spec.versionId, spec.tenancy.deployment);
      if (this.#live().length >= this.#o.slots && !(await this.#evictIdle(other))) break;
      this.#boot(spec, 0);
    }
    const kept = mine();
    for (const i of kept.slice(0, count)) this.#leases.set(i, Math.max(this.#leases.get(i) ?? 0, until));
    return kept.length;
  }

  /** Stops ready instances that ran nothing for `idleMs` and hold no lease: capacity scales to zero. */
  async stopIdle(idleMs: number): Promise<void> {
    const t = this.#o.now().getTime();
    const idle = this.#live().filter(
      (i) => i.state === "ready" && i.running.size === 0 && t - i.lastUsed.getTime() >= idleMs && !this.#leased(i, t),
    );
    for (const i of idle) {
      this.remove(i);
      this.#o.log.info("stopping idle model server", { version: i.versionId, instance: i.id });
      await i.stop();
    }
  }

  /**
   * Stops up to `count` instances of the version (and deployment) that are ready, run nothing, hold no
   * lease and ran nothing for `idleMs`, those idle longest first: extras the scheduler, which sees the
   * fleet, found another instance of the version serving beside. Returns how many stopped.
   */
  async trim(versionId: string, deployment: string | null, count: number, idleMs: number): Promise<number> {
    const t = this.#o.now().getTime();
    const idle = this.#live()
      .filter(
        (i) =>
          i.serves(versionId, deployment) &&
          i.state === "ready" &&
          i.running.size === 0 &&
          t - i.lastUsed.getTime() >= idleMs &&
          !this.#leased(i, t),
      )
      .sort((a, b) => a.lastUsed.getTime() - b.lastUsed.getTime())
      .slice(0, count);
    for (const i of idle) {
      this.remove(i);
      this.#o.log.info("stopping idle extra model server", { version: i.versionId, instance: i.id });
      await i.stop();
    }
    return idle.length;
  }

  remove(instance: ModelInstance): void {
    this.#leases.delete(instance);
    const i = this.#instances.indexOf(instance);
    if (i >= 0) this.#instances.splice(i, 1);
    this.#o.onGone?.(instance);
  }

  /** What a heartbeat says about each instance. */
  statuses(): InstanceStatus[] {
    const t = this.#o.now().getTime();
    return this.#instances.map((i) => ({
      version_id: i.versionId,
      deployment: i.tenancy.deployment,
      leased: this.#leased(i, t),
      last_used: i.lastUsed.toISOString(),
      state: i.state === "ready" && (i.saturated || i.running.size >= i.concurrency) ? "busy" : i.state,
      concurrency: i.concurrency,
      // A server that answered 409 shows full, so that schedulers stop offering it work.
      running: i.saturated ? Math.max(i.running.size, i.concurrency) : i.running.size,
      booted_at: i.bootedAt?.toISOString() ?? null,
      boot_ms: i.bootMs,
      predict_ms: i.predictMs === null ? null : Math.round(i.predictMs),
      error: i.error ? i.error.slice(0, HEARTBEAT_ERROR_CHARS) : null,
      restarts: i.restarts,
    }));
  }

  async stopAll(): Promise<void> {
    const all = [...this.#instances];
    await Promise.all(all.map((i) => i.stop()));
    for (const i of all) this.remove(i);
  }
}
