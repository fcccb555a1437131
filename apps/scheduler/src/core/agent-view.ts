import type { AgentHeartbeat } from "@gantry/contracts/agents";
import { type Assumption, assumePlaced, type PlacementJob, withAssumed } from "./placement.ts";

/**
 * The agents as one scheduler sees them: each agent's latest heartbeat, with the placements this
 * scheduler made that the heartbeat cannot show yet laid over it (so a heartbeat in flight while a
 * prediction was placed does not undo the placement). The live placer and the fleet simulator both
 * decide on this view. Pure: time comes in as arguments.
 */
export class AgentView {
  readonly #agents: Map<string, AgentHeartbeat>;
  /** Placements per agent that its heartbeats may not show yet. */
  readonly #assumed = new Map<string, Assumption[]>();

  /** `agents` is shared with whoever else reads the scheduler's view of the fleet. */
  constructor(agents: Map<string, AgentHeartbeat>) {
    this.#agents = agents;
  }

  values(): IterableIterator<AgentHeartbeat> {
    return this.#agents.values();
  }

  get(agentId: string): AgentHeartbeat | undefined {
    return this.#agents.get(agentId);
  }

  /**
   * One more prediction of the job on the agent (on a new, booting instance when none has room);
   * with `boot`, one more booting instance of the job with nothing on it (an unbound boot).
   */
  assume(agentId: string, job: PlacementJob, concurrency: number, at: number, boot = false): void {
    const a = this.#agents.get(agentId);
    if (!a) return;
    this.#agents.set(agentId, assumePlaced(a, job, concurrency, boot));
    const list = this.#assumed.get(agentId) ?? [];
    list.push({ job, concurrency, at, ...(boot ? { boot } : {}) });
    this.#assumed.set(agentId, list);
  }

  /** A heartbeat replaces what was known of its agent, placements it cannot show yet kept. */
  apply(hb: AgentHeartbeat, now: number): void {
    const { heartbeat: seen, pending } = withAssumed(hb, this.#assumed.get(hb.agent_id) ?? [], now);
    if (pending.length > 0) this.#assumed.set(hb.agent_id, pending);
    else this.#assumed.delete(hb.agent_id);
    this.#agents.set(hb.agent_id, seen);
  }

  /** An agent is gone: what was assumed of it goes too. */
  forget(agentId: string): void {
    this.#assumed.delete(agentId);
  }
}
