import type { PredictionQueue } from "@gantry/contracts/prediction";
import type { InstancePool } from "./instance-pool.ts";
import type { Run } from "./runner.ts";

/** Setup logs one prediction is shown at most (the rest of a chatty setup is not copied into it). */
export const MAX_SETUP_LOG_CHARS = 8000;
/** The prefix of a boot's setup log lines in a waiting prediction's logs. */
export const SETUP_PREFIX = "[setup] ";

export interface BootNotesDeps {
  runs: ReadonlyMap<string, Run>;
  pool: Pick<InstancePool, "lastBootMs">;
  /** How often booting instances are looked at: at most one write per waiting prediction per interval. */
  intervalMs: number;
}

interface Shown {
  phase: string;
  /** Where in its instance's boot logs copying goes on. */
  logChars: number;
  /** Characters of setup logs copied in all. */
  copied: number;
  /** A write is in flight: the next look waits for it rather than piling up. */
  writing: boolean;
}

/**
 * Tells predictions waiting for a cold boot on this agent where that boot is (`queue.phase`:
 * fetching weights, pulling the image, setup) and copies the setup logs of the model server that
 * will run them, whole lines, prefixed `[setup] `. Only the boot that serves a prediction is copied
 * into it, and only the model's own setup output; rate-limited by looking once per interval.
 */
export function startBootNotes(d: BootNotesDeps) {
  const shown = new WeakMap<Run, Shown>();

  const look = () => {
    for (const run of d.runs.values()) {
      const { instance, tracker } = run;
      if (run.onServer || run.released || tracker.done || instance.state !== "booting") continue;
      const s = shown.get(run) ?? { phase: "", logChars: 0, copied: 0, writing: false };
      shown.set(run, s);
      if (s.writing) continue;
      const logs = instance.bootLogs;
      const end = logs.lastIndexOf("\n") + 1;
      let line = "";
      if (end > s.logChars && s.copied < MAX_SETUP_LOG_CHARS) {
        const room = MAX_SETUP_LOG_CHARS - s.copied;
        const fresh = logs.slice(s.logChars, end);
        line = fresh
          .slice(0, room)
          .split("\n")
          .filter((l, i, all) => i < all.length - 1 || l !== "")
          .map((l) => `${SETUP_PREFIX}${l}`)
          .join("\n");
        if (fresh.length > room) line += `\n${SETUP_PREFIX}… (more setup logs are not copied here)`;
        s.copied += Math.min(fresh.length, room);
        s.logChars = end;
      } else if (end < s.logChars) {
        // The server's output is kept as a tail: what was shown scrolled out; go on from its end.
        s.logChars = end;
      }
      if (instance.phase === s.phase && !line) continue;
      s.phase = instance.phase;
      const expected = d.pool.lastBootMs(instance.versionId);
      const queue: PredictionQueue = {
        position: null,
        estimated_start_at: expected === null ? null : new Date(instance.launchedAt.getTime() + expected).toISOString(),
        phase: instance.phase,
        phase_started_at: instance.phaseStartedAt.toISOString(),
      };
      s.writing = true;
      void tracker.waiting(queue, line || undefined).finally(() => {
        s.writing = false;
      });
    }
  };

  const timer = setInterval(look, d.intervalMs);
  timer.unref();
  return {
    /** Looks now (tests; a run that just joined a boot). */
    look,
    stop: () => clearInterval(timer),
  };
}
