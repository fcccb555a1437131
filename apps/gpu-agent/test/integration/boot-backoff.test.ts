import type { AddressInfo } from "node:net";
import type { RunRequest } from "@gantry/contracts/jobs";
import type { ModelRuntime } from "@gantry/contracts/models";
import { createCogFixture } from "@gantry/demo-models/cog-fixture";
import { silentLogger } from "@gantry/platform/logger";
import { freePort } from "@gantry/platform/ports";
import { REPO_ROOT } from "@gantry/testing/stack";
import { describe, expect, it } from "vitest";
import { InstancePool } from "../../src/instance-pool.ts";
import { commandRuntime, versionOf } from "./harness.ts";

const request = (model: string, runtime: ModelRuntime): RunRequest => ({
  prediction_id: `p-${model}-${Math.random().toString(36).slice(2)}`,
  account_id: "acct",
  model: `gantry/${model}`,
  version_id: versionOf(model),
  hardware: "cpu",
  streams: false,
  runtime,
  concurrency: 1,
  input: {},
  timeout_ms: 60_000,
  deadline: null,
});

/**
 * A pool of one slot on a clock the test moves forward (real time plus `skew`), with a setup
 * timeout far longer than the test: a boot that waited it out would never end here.
 */
function onePool() {
  const clock = { skew: 0 };
  const pool = new InstancePool({
    slots: 1,
    maxRestarts: 5,
    restartWindowMs: 60_000,
    backoff: { baseMs: 60_000, capMs: 120_000, maxFailures: 3, unavailableMs: 600_000 },
    instance: { cwd: REPO_ROOT, setupTimeoutMs: 3_600_000, unreachableMs: 200, healthIntervalMs: 0, gpus: false },
    log: silentLogger,
    now: () => new Date(Date.now() + clock.skew),
    onLost: () => {},
  });
  return { pool, clock };
}

async function placeOrThrow(pool: InstancePool, req: RunRequest) {
  const placed = await pool.place(req);
  if (!placed) throw new Error("no slot");
  return placed;
}

describe("boots that fail", () => {
  it("a url server that refuses connections fails its boot with what to do, then the version backs off and holds no slot", async () => {
    const { pool, clock } = onePool();
    const port = await freePort();
    const gone: ModelRuntime = { kind: "url", url: `http://127.0.0.1:${port}` };
    try {
      const first = await placeOrThrow(pool, request("gone", gone));
      expect(first.cold).toBe(true);
      await expect(first.instance.ready).rejects.toThrow(
        new RegExp(
          `^The model server at http://127\\.0\\.0\\.1:${port} is not reachable: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\. ` +
            "Gantry does not start servers registered by URL: start it again",
        ),
      );

      // Within the back-off the version's predictions fail at once, saying why, and boot nothing.
      const held = await placeOrThrow(pool, request("gone", gone));
      expect(held.instance.state).toBe("failed");
      await expect(held.instance.ready).rejects.toThrow(
        /^Its server failed to boot once; the next boot is in \d+ s\. Last boot error: The model server at .* is not reachable/,
      );
      expect(pool.list().filter((i) => i.state !== "failed")).toHaveLength(0);

      // The one slot is free for another model, which boots and becomes ready.
      const other = await placeOrThrow(pool, request("test", commandRuntime("test")));
      await other.instance.ready;
      expect(other.instance.state).toBe("ready");

      // Two more failures after each wait: the third in a row makes the version unavailable.
      for (let failure = 2; failure <= 3; failure++) {
        clock.skew += 130_000;
        const again = await placeOrThrow(pool, request("gone", gone));
        expect(again.cold).toBe(true);
        await expect(again.instance.ready).rejects.toThrow(/is not reachable: connect ECONNREFUSED/);
        expect(pool.list().filter((i) => i.versionId === versionOf("gone") && i.state !== "failed")).toHaveLength(0);
      }
      const unavailable = await placeOrThrow(pool, request("gone", gone));
      await expect(unavailable.instance.ready).rejects.toThrow(
        /^The version is unavailable on this agent for (600|599) s more: its last 3 boots failed in a row\. Last boot error: The model server at/,
      );

      // The server comes back: after the window one boot is let through, and it succeeds.
      const server = createCogFixture({ mode: "python" });
      await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
      try {
        expect((server.address() as AddressInfo).port).toBe(port);
        clock.skew += 600_000;
        const back = await placeOrThrow(pool, request("gone", gone));
        await back.instance.ready;
        expect(back.instance.state).toBe("ready");
        // Forgotten after a boot that worked: nothing holds the version any more.
        await pool.stopAll();
        const next = await placeOrThrow(pool, request("gone", gone));
        expect(next.cold).toBe(true);
        await next.instance.ready;
      } finally {
        await pool.stopAll();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
    } finally {
      await pool.stopAll();
    }
  });
});
