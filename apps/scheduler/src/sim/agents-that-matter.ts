import { SimAgent } from "./sim-agent.ts";

/**
 * The agents whose heartbeats decide where a prediction of `versionId` goes, in fleet order, so
 * that placement need not read every heartbeat of a large fleet for each prediction:
 * - every agent with an instance of the version that has a free slot (the warm candidates, and
 *   the booting capacity `shouldBoot` counts), and the first agent holding one at all (so "no
 *   instance yet" reads the same);
 * - of the agents with no free instance of it, the one `rankCandidates` would put first to boot
 *   (its sort is stable, by load): the first with the lowest load below its slots, else the first
 *   full one with an idle instance, old enough for `evictIdleMs` or of any age (lanes that may
 *   replace any idle instance).
 * A job with `max_instances` counts every instance, so it gets every holder. `exact` simulations
 * hand placement every agent instead; tests check that both give the same run.
 */
export function agentsThatMatter(
  fleet: readonly SimAgent[],
  job: { versionId: string; hardware: string; maxInstances?: number },
  now: number,
  evictIdleMs: number,
): SimAgent[] {
  const out: SimAgent[] = [];
  let holder: SimAgent | undefined;
  let roomy: SimAgent | undefined;
  let oldIdle: SimAgent | undefined;
  let anyIdle: SimAgent | undefined;
  for (const a of fleet) {
    if (a.sku !== job.hardware) continue;
    let holds = false;
    let free = false;
    for (const i of a.instances) {
      if (i.versionId !== job.versionId) continue;
      holds = true;
      if (i.running.length < i.concurrency) free = true;
    }
    if (free || (holds && job.maxInstances !== undefined)) {
      out.push(a);
      continue;
    }
    if (holds) holder ??= a;
    if (a.live < a.slots) {
      if (!roomy || a.live / a.slots < roomy.live / roomy.slots) roomy = a;
    } else if (!roomy && !(oldIdle && anyIdle)) {
      for (const i of a.instances) {
        if (!SimAgent.idle(i)) continue;
        anyIdle ??= a;
        if (now - i.lastUsed >= evictIdleMs) oldIdle ??= a;
      }
    }
  }
  for (const a of roomy ? [holder, roomy] : [holder, oldIdle, anyIdle]) if (a && !out.includes(a)) out.push(a);
  return out.sort((x, y) => x.index - y.index);
}
