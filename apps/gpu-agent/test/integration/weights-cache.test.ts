import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { WeightsCache } from "../../src/weights-cache.ts";

async function until(check: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("WeightsCache", () => {
  it("keeps at most maxEntries weights on disk, deleting the least recently used, and fetches it again when needed", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions("operator"));
    const { objects } = await ensureTopology(nc);
    const dir = await mkdtemp(join(tmpdir(), "weights-"));
    try {
      for (const n of ["a", "b", "c"]) await objects.putBlob({ name: `weights/${n}` }, new TextEncoder().encode(n));
      const cache = new WeightsCache(objects, dir, 2);
      const a = await cache.path("weights/a");
      const b = await cache.path("weights/b");
      expect(await cache.path("weights/a")).toBe(a); // a is now the most recently used
      const c = await cache.path("weights/c"); // evicts b
      await until(() => !existsSync(b), "b's file to be deleted");
      expect(existsSync(a)).toBe(true);
      expect(await readFile(c, "utf8")).toBe("c");
      expect(await readFile(await cache.path("weights/b"), "utf8")).toBe("b"); // fetched again
      await expect(cache.path("weights/missing")).rejects.toThrow(/not in the object store/);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await nc.close();
    }
  }, 30_000);
});
