import type { PredictionQueue } from "@gantry/contracts/prediction";
import { describe, expect, it } from "vitest";
import { MAX_SETUP_LOG_CHARS, startBootNotes } from "./boot-notes.ts";
import type { ModelInstance } from "./model-instance.ts";
import type { Run } from "./runner.ts";

const LAUNCHED = new Date("2026-01-01T00:00:00.000Z");

/** A booting instance and a run waiting for it; the run's tracker records what it is told. */
function waitingRun() {
  const instance = {
    state: "booting",
    versionId: "v1",
    launchedAt: LAUNCHED,
    phase: "fetching_weights",
    phaseStartedAt: LAUNCHED,
    bootLogs: "",
  } as Pick<ModelInstance, "state" | "versionId" | "launchedAt" | "phase" | "phaseStartedAt" | "bootLogs">;
  const told: { queue: PredictionQueue; line: string | undefined }[] = [];
  const tracker = {
    done: false,
    waiting: async (queue: PredictionQueue, line?: string) => {
      told.push({ queue, line });
    },
  };
  const run = { instance, tracker, onServer: false, released: false } as unknown as Run;
  return { instance, run, told };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe("boot notes", () => {
  it("tells a waiting run its boot's phase and the setup logs' whole lines, prefixed, once each", async () => {
    const { instance, run, told } = waitingRun();
    const notes = startBootNotes({
      runs: new Map([["p1", run]]),
      pool: { lastBootMs: () => 30_000 },
      intervalMs: 60_000,
    });
    try {
      notes.look();
      await settle();
      expect(told).toEqual([
        {
          queue: {
            position: null,
            estimated_start_at: "2026-01-01T00:00:30.000Z",
            phase: "fetching_weights",
            phase_started_at: LAUNCHED.toISOString(),
          },
          line: undefined,
        },
      ]);
      notes.look();
      await settle();
      expect(told).toHaveLength(1);

      instance.phase = "setup";
      instance.bootLogs = "loading weights\nhalf a li";
      notes.look();
      await settle();
      expect(told.at(-1)?.queue.phase).toBe("setup");
      expect(told.at(-1)?.line).toBe("[setup] loading weights");

      instance.bootLogs = "loading weights\nhalf a line\ndone\n";
      notes.look();
      await settle();
      expect(told.at(-1)?.line).toBe("[setup] half a line\n[setup] done");

      // Once the server runs it (or the boot is over) nothing more is said.
      instance.bootLogs += "late\n";
      run.onServer = true;
      notes.look();
      await settle();
      expect(told).toHaveLength(3);
    } finally {
      notes.stop();
    }
  });

  it("copies at most MAX_SETUP_LOG_CHARS of a chatty setup, then says so once", async () => {
    const { instance, run, told } = waitingRun();
    instance.phase = "setup";
    const notes = startBootNotes({
      runs: new Map([["p1", run]]),
      pool: { lastBootMs: () => null },
      intervalMs: 60_000,
    });
    try {
      instance.bootLogs = `${"x".repeat(99)}\n`.repeat(MAX_SETUP_LOG_CHARS / 50);
      notes.look();
      await settle();
      instance.bootLogs += "more\n";
      notes.look();
      await settle();
      const lines = told.map((t) => t.line ?? "").join("\n");
      expect(told[0]?.queue.estimated_start_at).toBeNull();
      expect(lines.replaceAll("[setup] ", "").replaceAll("\n", "").length).toBeLessThan(MAX_SETUP_LOG_CHARS + 100);
      expect(lines.match(/more setup logs are not copied here/g)).toHaveLength(1);
      expect(lines).not.toContain("more\n");
    } finally {
      notes.stop();
    }
  });
});
