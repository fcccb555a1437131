import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "./logger.ts";
import { processStart, ServerLedger } from "./server-ledger.ts";

describe("ServerLedger", () => {
  it("kills a recorded leftover, but not a process that reused its pid", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ledger-"));
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    const pid = child.pid!;
    const exited = new Promise((r) => child.once("exit", r));
    try {
      expect(processStart(pid)).toMatch(/^\d+$/);
      // A ledger whose entry started at another moment: the pid now belongs to someone else.
      const file = join(dir, "reused.json");
      writeFileSync(file, JSON.stringify([{ pid, cmd: "sleep", started: "1" }]));
      expect(new ServerLedger(file).reapLeftovers(silentLogger)).toBe(0);
      // The real record of this process: reaped.
      const ledger = new ServerLedger(join(dir, "mine.json"));
      ledger.add({ pid, cmd: "sleep" });
      expect(new ServerLedger(join(dir, "mine.json")).reapLeftovers(silentLogger)).toBe(1);
      await exited;
    } finally {
      child.kill("SIGKILL");
    }
  });
});
