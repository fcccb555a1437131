import { createCogFixture } from "@gantry/demo-models/cog-fixture";
import { freeBadPort } from "@gantry/testing/bad-port";
import { describe, expect, it } from "vitest";
import { startAgent } from "./harness.ts";

describe("a url model server on a port Node's fetch refuses (6665, 6666, …)", () => {
  it("runs predictions: health checks, the start and the webhooks all work", async () => {
    const port = await freeBadPort();
    const server = createCogFixture({ mode: "python" });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    const t = await startAgent();
    try {
      const runtime = { kind: "url" as const, url: `http://127.0.0.1:${port}` };
      const { id, reply } = await t.run(
        { prompt: "hi", n_tokens: 3, delay: 0 },
        { model: "bad-port", runtime, concurrency: 1 },
      );
      expect(reply.accepted).toBe(true);
      expect(await t.finished(id)).toMatchObject({ status: "succeeded", output: ["tok0 ", "tok1 ", "tok2 "] });
    } finally {
      await t.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
