import type { SimAgent } from "./sim-agent.ts";

let stamp = 0;

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
 * A job with `max_instances` counts every instance, so it gets every holder. `holders` lists the
 * agents holding an instance of each version; agents' `oldestIdle` must be fresh. `liveCounts`, when
 * given (every agent of the hardware has the same slots), says how many of its agents hold each number
 * of instances: the search for the emptiest then stops at the first agent of the lowest count present.
 * `exact` simulations hand placement every agent instead; tests check that both give the same run.
 */
export function agentsThatMatter(
  fleet: readonly SimAgent[],
  holders: ReadonlyMap<string, ReadonlySet<SimAgent>>,
  job: { versionId: string; hardware: string; maxInstances?: number },
  now: number,
  evictIdleMs: number,
  liveCounts?: readonly number[],
): SimAgent[] {
  const out: SimAgent[] = [];
  const warm = ++stamp;
  let holder: SimAgent | undefined;
  for (const a of holders.get(job.versionId) ?? []) {
    if (a.sku !== job.hardware) continue;
    const free = a.instances.some((i) => i.versionId === job.versionId && i.running.length < i.concurrency);
    if (free || job.maxInstances !== undefined) {
      a.mark = warm;
      out.push(a);
    } else if (!holder || a.index < holder.index) holder = a;
  }
  let roomy: SimAgent | undefined;
  // The fewest instances any agent of the hardware holds: the first unmarked agent holding that many
  // is the emptiest (a marked one is a warm candidate already; then the full search below decides).
  const fewest = liveCounts?.findIndex((n, live) => n > 0 && live < liveCounts.length - 1) ?? -1;
  if (fewest >= 0) {
    for (const a of fleet) {
      if (a.live === fewest && a.mark !== warm && a.sku === job.hardware) {
        roomy = a;
        break;
      }
    }
  }
  let roomyLoad = roomy ? 0 : 1;
  let oldIdle: SimAgent | undefined;
  let anyIdle: SimAgent | undefined;
  for (const a of roomy ? [] : fleet) {
    if (a.mark === warm || a.sku !== job.hardware) continue;
    const load = a.live / a.slots;
    if (load < roomyLoad) {
      roomy = a;
      roomyLoad = load;
    } else if (!roomy && a.oldestIdle !== Number.POSITIVE_INFINITY) {
      anyIdle ??= a;
      if (now - a.oldestIdle >= evictIdleMs) oldIdle ??= a;
    }
  }
  for (const a of roomy ? [holder, roomy] : [holder, oldIdle, anyIdle]) if (a && !out.includes(a)) out.push(a);
  return out.sort((x, y) => x.index - y.index);
}
