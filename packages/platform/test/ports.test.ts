import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { ephemeralRange, freePort } from "../src/ports.ts";

const listen = async (port: number) => {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once("error", reject);
    srv.listen(port, "127.0.0.1", () => resolve());
  });
  return () => new Promise<void>((r) => srv.close(() => r()));
};

describe("freePort", () => {
  it("hands out a bindable port below the kernel's ephemeral range", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThanOrEqual(10_000);
    expect(port).toBeLessThan(ephemeralRange()[0]);
    await (await listen(port))();
  });

  it("skips a port in use", async () => {
    const taken = await freePort();
    const close = await listen(taken);
    try {
      // The first draw lands on the taken port; the next ones anywhere.
      const span = ephemeralRange()[0] - 10_000;
      const draws = [(taken - 10_000 + 0.5) / span];
      const port = await freePort(() => draws.shift() ?? Math.random());
      expect(draws).toEqual([]);
      expect(port).not.toBe(taken);
    } finally {
      await close();
    }
  });
});
