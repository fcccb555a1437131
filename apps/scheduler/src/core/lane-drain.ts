import type { FairQueue } from "./fair-queue.ts";

/**
 * What to do with a lane's head: end it, let it (and the lane) wait, send it, or boot an instance
 * for the lane while the head stays queued (an unbound boot: `ScalePolicy.unbound`).
 */
export type DrainPlan<S> =
  | { kind: "ended" }
  | { kind: "wait" }
  | { kind: "send"; warm: boolean; send: S }
  | { kind: "boot"; send: S };

/** The effects of draining a lane, injected: the live placer talks to NATS, the simulator to simulated agents. */
export interface DrainSteps<W, S> {
  plan(head: W): Promise<DrainPlan<S>>;
  /** The lane's head must wait: tell the waiting predictions why. */
  waits(): void;
  /** A free slot on a booted instance: sent while the lane goes on (warm placements run side by side). */
  sendWarm(head: W, send: S): void;
  /** A boot: the lane waits for the answer, so each boot sees the ones before it. False: not placed. */
  sendBoot(head: W, send: S): Promise<boolean>;
  /** A boot that no agent took: the head waits again, at the front. */
  requeue(head: W): void;
  /**
   * An unbound boot for the lane (the head stays queued): the lane waits for the answer, so the
   * next plan sees the instance. False: no agent booted one.
   */
  bootFor(send: S): Promise<boolean>;
}

/**
 * Places a lane's predictions, accounts in turn, until capacity runs out or the head must wait.
 * The head is marked busy while it is planned (a sweep leaves it alone). Runs no I/O itself.
 */
export async function drainLane<W extends { busy: boolean }, S>(
  queue: FairQueue<W>,
  lane: string,
  steps: DrainSteps<W, S>,
): Promise<void> {
  for (let w = queue.peek(lane); w; w = queue.peek(lane)) {
    const head = w;
    head.busy = true;
    const p = await steps.plan(head);
    head.busy = false;
    if (p.kind === "wait") {
      steps.waits();
      break;
    }
    if (p.kind === "boot") {
      // Planned again with the new instance in view: another boot, or a wait for the first free slot.
      if (await steps.bootFor(p.send)) continue;
      steps.waits();
      break;
    }
    queue.take(lane, head);
    if (p.kind === "ended") continue;
    if (p.warm) {
      steps.sendWarm(head, p.send);
      continue;
    }
    if (!(await steps.sendBoot(head, p.send))) {
      steps.requeue(head);
      break;
    }
  }
}
