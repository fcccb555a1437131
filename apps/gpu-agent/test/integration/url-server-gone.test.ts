import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import type { ModelRuntime } from "@gantry/contracts/models";
import { createCogFixture } from "@gantry/demo-models/cog-fixture";
import { freePort } from "@gantry/platform/ports";
import { REPO_ROOT } from "@gantry/testing/stack";
import { describe, expect, it } from "vitest";
import { startAgent, versionOf } from "./harness.ts";

const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 2400; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never: ${what}`);
};

describe("a url model server that goes away", () => {
  it("fails its predictions fast, saying what to do, and never holds the slot another model needs", async () => {
    const server = createCogFixture({ mode: "python" });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const runtime: ModelRuntime = { kind: "url", url };
    // One slot, and a setup timeout longer than the test: a boot that waited it out would never end here.
    const t = await startAgent({ slots: 1, setupTimeoutMs: 3_600_000, healthIntervalMs: 100 });
    try {
      const first = await t.run({ prompt: "hi", n_tokens: 2, delay: 0 }, { model: "remote", runtime, concurrency: 1 });
      expect(await t.finished(first.id)).toMatchObject({ status: "succeeded", output: ["tok0 ", "tok1 "] });

      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      // The agent notices (three unanswered health checks) and boots a replacement.
      const remote = () => t.agent.instances().filter((i) => i.versionId === versionOf("remote"));
      await until("a replacement of the gone server", () => remote().some((i) => i.restarts > 0));

      // Another model's prediction gets the only slot, booting or not booting the replacement.
      const other = await t.run({ tokens: 2 }, { model: "test" });
      expect(other.reply).toMatchObject({ accepted: true, cold_boot: true });
      expect(await t.finished(other.id)).toMatchObject({ status: "succeeded", output: ["tok0", " tok1"] });

      // A prediction of the gone server's version fails with what happened and what to do.
      const lost = await t.run({ prompt: "hi" }, { model: "remote", runtime, concurrency: 1 });
      expect(lost.reply.accepted).toBe(true);
      const rec = await t.finished(lost.id);
      expect(rec.status).toBe("failed");
      expect(rec.error).toContain(`The model server at ${url} is not reachable: connect ECONNREFUSED`);
      expect(rec.error).toContain("start it again at that address");
      // Nothing of the gone version holds a slot.
      expect(remote().every((i) => i.state === "failed")).toBe(true);
    } finally {
      await t.close();
      server.closeAllConnections();
      server.close();
    }
  });

  it("a prediction running when the server is killed fails saying the server became unreachable", async () => {
    const port = await freePort();
    const server = spawn(process.execPath, ["--import", "tsx", "models/src/serve.ts", "cog-fixture", "python"], {
      cwd: REPO_ROOT,
      // Only what the server needs: this process's environment is not read outside env.ts.
      env: { PORT: String(port) },
      stdio: "ignore",
    });
    const url = `http://127.0.0.1:${port}`;
    const t = await startAgent({ healthIntervalMs: 100 });
    try {
      const runtime: ModelRuntime = { kind: "url", url };
      const input = { prompt: "hi", n_tokens: 1000, delay: 0.05 };
      const { id } = await t.run(input, { model: "remote", runtime, concurrency: 1 });
      await t.processing(id);
      server.kill("SIGKILL");
      const rec = await t.finished(id);
      expect(rec.status).toBe("failed");
      expect(rec.error).toMatch(
        new RegExp(
          `^The model server at http://127\\.0\\.0\\.1:${port} became unreachable \\(connect ECONNREFUSED [^)]+\\) while the prediction was running\\.$`,
        ),
      );
    } finally {
      server.kill("SIGKILL");
      await t.close();
    }
  });
});
