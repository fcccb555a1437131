import { subjects } from "@gantry/contracts/subjects";
import { type UptimeUsage, usageMsgId } from "@gantry/contracts/usage";
import { encode } from "@gantry/platform/codec";
import type { Logger } from "@gantry/platform/logger";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { ModelInstance } from "./model-instance.ts";

export interface MeterDeps {
  js: JetStreamClient;
  agentId: string;
  hardware: string;
  now: () => Date;
  log: Logger;
}

interface Metered {
  interval: number;
  from: Date;
}

/**
 * Reports the up time of instances billed by up time (deployments, private models), from launch
 * to stop, in intervals: each interval is published once under its own message id, so a crash
 * loses at most the interval it was in, and a re-sent one is dropped by the `USAGE` stream.
 */
export class UptimeMeter {
  readonly #metered = new Map<ModelInstance, Metered>();
  readonly #d: MeterDeps;

  constructor(deps: MeterDeps) {
    this.#d = deps;
  }

  launched(instance: ModelInstance): void {
    if (instance.tenancy.billing !== "uptime") return;
    this.#metered.set(instance, { interval: 0, from: instance.launchedAt });
  }

  /** The instance left: its last (partial) interval is reported. */
  gone(instance: ModelInstance): Promise<void> {
    const m = this.#metered.get(instance);
    if (!m) return Promise.resolve();
    this.#metered.delete(instance);
    return this.#report(instance, m, this.#d.now());
  }

  /** Reports the interval each metered instance is in, up to now. */
  async tick(): Promise<void> {
    const to = this.#d.now();
    await Promise.all([...this.#metered].map(([instance, m]) => this.#report(instance, m, to)));
  }

  async #report(instance: ModelInstance, m: Metered, to: Date): Promise<void> {
    if (to.getTime() <= m.from.getTime()) return;
    const usage: UptimeUsage = {
      kind: "uptime",
      agent_id: this.#d.agentId,
      instance_id: `${this.#d.agentId}-${instance.id}`,
      interval: m.interval,
      account_id: instance.tenancy.accountId,
      model: instance.tenancy.model,
      version_id: instance.versionId,
      hardware: this.#d.hardware,
      from: m.from.toISOString(),
      to: to.toISOString(),
      billing: "uptime",
      deployment: instance.tenancy.deployment,
    };
    m.interval++;
    m.from = to;
    try {
      await this.#d.js.publish(subjects.usage("uptime", this.#d.agentId), encode(usage), { msgID: usageMsgId(usage) });
    } catch (err) {
      this.#d.log.error("up time not reported", { instance: instance.id, interval: usage.interval, err: String(err) });
    }
  }
}
