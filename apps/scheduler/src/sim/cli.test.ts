import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../../../..");
let dir = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gantry-sim-"));
  // Two models; b's second prediction finds a's instance idle and the fleet full.
  const rows = ["0,a,1000,10000", "500,a,2000,10000", "20000,b,1000,30000", "40000,a,1000,10000", "41000,b,500,30000"];
  await writeFile(join(dir, "tiny.csv"), `arrival_ms,model,predict_ms,boot_ms\n${rows.join("\n")}\n`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const simulate = async (...args: string[]) => {
  const { stdout } = await run(process.execPath, ["scripts/simulate.mjs", ...args], {
    cwd: root,
  });
  return stdout;
};

it("prints a table and, last, one JSON line with the figures and the keep-alive baseline; the same each run", async () => {
  const args = ["--trace", join(dir, "tiny.csv"), "--agents", "2", "--slots", "1", "--seed", "4"];
  const first = await simulate(...args);
  const lines = first.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^trace\s+policy\s+predictions\s+util/);
  const json = JSON.parse(lines.at(-1) ?? "");
  for (const f of [json, json.baseline]) {
    expect(Object.keys(f)).toEqual(
      expect.arrayContaining(["utilization", "p50_wait_ms", "p99_wait_ms", "cold_boots", "instance_seconds"]),
    );
    expect(f.utilization).toBeGreaterThan(0);
    expect(f.utilization).toBeLessThanOrEqual(1);
    expect(f.cold_boots).toBeGreaterThanOrEqual(2);
  }
  // The first prediction waited for a's 10 s boot.
  expect(json.p99_wait_ms).toBeGreaterThanOrEqual(10_000);
  expect(json.median_boot_ms).toBe(10_000);
  expect(await simulate(...args)).toBe(first);
}, 30_000);
