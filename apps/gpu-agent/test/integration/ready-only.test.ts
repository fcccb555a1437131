import type { RunRequest } from "@gantry/contracts/jobs";
import { silentLogger } from "@gantry/platform/logger";
import { REPO_ROOT } from "@gantry/testing/stack";
import { describe, expect, it } from "vitest";
import { InstancePool } from "../../src/instance-pool.ts";
import { commandRuntime, versionOf } from "./harness.ts";

const request = (o: Partial<RunRequest> = {}): RunRequest => ({
  prediction_id: `p${Math.random().toString(36).slice(2)}`,
  account_id: "acct",
  model: "gantry/test",
  version_id: versionOf("ready-only"),
  hardware: "cpu",
  streams: false,
  runtime: commandRuntime("test"),
  concurrency: 2,
  input: {},
  timeout_ms: 60_000,
  deadline: null,
  ...o,
});

describe("a warm offer for a ready slot only (unbound boots)", () => {
  it("is refused while the version's only free slot is on a booting instance, and taken once it is ready", async () => {
    const pool = new InstancePool({
      slots: 2,
      maxRestarts: 5,
      restartWindowMs: 60_000,
      instance: { cwd: REPO_ROOT, setupTimeoutMs: 60_000, unreachableMs: 200, healthIntervalMs: 0, gpus: false },
      log: silentLogger,
      now: () => new Date(),
      onLost: () => {},
    });
    try {
      // The lane's first boot takes its prediction; the instance (concurrency 2) has a free slot while it boots.
      const first = await pool.place(request());
      expect(first?.cold).toBe(true);
      expect(await pool.place(request({ boot: false, ready_only: true }))).toBeNull();
      // Without `ready_only` (bound boots), the booting instance's free slot is taken.
      const bound = await pool.place(request({ boot: false }));
      expect(bound?.instance).toBe(first?.instance);
      expect(bound?.cold).toBe(true);
      bound?.instance.running.add("p-bound");
      first?.instance.running.add("p-first");
      await first?.instance.ready;
      bound?.instance.running.delete("p-bound");
      const warm = await pool.place(request({ boot: false, ready_only: true }));
      expect(warm?.instance).toBe(first?.instance);
      expect(warm?.cold).toBe(false);
    } finally {
      for (const i of pool.list()) await i.stop();
    }
  }, 60_000);
});
