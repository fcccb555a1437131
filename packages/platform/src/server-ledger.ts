import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "./logger.ts";

/** A model server this agent started: its process, the command it ran, its container if any. */
export interface LedgerEntry {
  pid: number;
  cmd: string;
  container?: string;
  /** The process's start time (clock ticks since boot, `/proc/<pid>/stat`): a reused pid differs. */
  started?: string;
}

/** What a model instance tells the ledger. */
export interface ServerRecorder {
  add(entry: LedgerEntry): void;
  remove(pid: number): void;
}

/** A process's start time in clock ticks since boot (field 22 of `/proc/<pid>/stat`), or null. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces), starting with field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** The command line of a live process, or null (gone, or not readable). */
function commandOf(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return null;
  }
}

/**
 * The model servers this agent has running, kept in a small file so that an agent killed
 * outright (`kill -9`, OOM) does not leave them behind: the next agent of the same id stops what
 * is listed before it starts. A process is killed only if it still runs the command it was
 * started with and started at the same moment, so a reused pid is left alone.
 */
export class ServerLedger implements ServerRecorder {
  readonly #file: string;
  readonly #entries = new Map<number, LedgerEntry>();

  constructor(file: string) {
    this.#file = file;
    mkdirSync(dirname(file), { recursive: true });
  }

  add(entry: LedgerEntry): void {
    const started = processStart(entry.pid);
    this.#entries.set(entry.pid, started ? { ...entry, started } : entry);
    this.#save();
  }

  remove(pid: number): void {
    if (this.#entries.delete(pid)) this.#save();
  }

  /** Stops the servers a previous agent of this ledger left running; returns how many. */
  reapLeftovers(log: Logger): number {
    let entries: LedgerEntry[] = [];
    try {
      entries = JSON.parse(readFileSync(this.#file, "utf8")) as LedgerEntry[];
    } catch {
      return 0; // no ledger yet, or unreadable: nothing is known to be left over
    }
    let reaped = 0;
    for (const e of Array.isArray(entries) ? entries : []) {
      if (typeof e?.pid !== "number" || typeof e.cmd !== "string") continue;
      if (e.container) spawn("docker", ["rm", "-f", e.container], { stdio: "ignore" }).once("error", () => {});
      const argv = commandOf(e.pid);
      if (!argv || argv[0] !== e.cmd) continue;
      // The pid was reused by another process since: leave it alone.
      if (e.started && processStart(e.pid) !== e.started) continue;
      try {
        process.kill(e.pid, "SIGKILL");
        reaped++;
        log.warn("stopped a model server left by a previous agent", { pid: e.pid, cmd: e.cmd });
      } catch {
        // it ended meanwhile
      }
    }
    this.#save();
    return reaped;
  }

  #save(): void {
    const tmp = `${this.#file}.tmp`;
    writeFileSync(tmp, JSON.stringify([...this.#entries.values()]));
    renameSync(tmp, this.#file);
  }
}
