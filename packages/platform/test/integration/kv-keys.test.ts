import { startNatsServer } from "@gantry/testing/nats-server";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { listKeys } from "../../src/kv-keys.ts";

describe("listKeys on a real nats-server", () => {
  it("lists keys by filter from the stream, deleted ones included for the caller to read", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    try {
      const kv = await new Kvm(nc).create("keys_test", { history: 1 });
      expect(await listKeys(kv)).toEqual([]);
      for (const k of ["a", "b.x", "b.y", "c.x"]) await kv.put(k, "v");
      await kv.delete("a");
      expect((await listKeys(kv)).sort()).toEqual(["a", "b.x", "b.y", "c.x"]);
      expect((await listKeys(kv, "b.*")).sort()).toEqual(["b.x", "b.y"]);
      expect((await listKeys(kv, "*.x")).sort()).toEqual(["b.x", "c.x"]);
      expect((await kv.get("a"))?.operation).toBe("DEL");
    } finally {
      await nc.close();
    }
  });
});
