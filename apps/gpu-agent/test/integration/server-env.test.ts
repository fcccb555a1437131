import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "@gantry/testing/stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** The platform's secrets, as an agent's environment holds them. */
const SECRETS = {
  NATS_URL: "nats://127.0.0.1:4222",
  NATS_NKEY_SEED: "SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY",
  GANTRY_SIGNING_SECRET: "agent-signing-secret-0123456789",
};
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gantry-env-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("a command model server's environment", () => {
  it("holds none of the agent's NATS or GANTRY variables, a scratch HOME, and only what Cog needs", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "apps/gpu-agent/test/fixtures/env-agent.ts", join(dir, "env.json")],
      {
        cwd: REPO_ROOT,
        env: {
          ...SECRETS,
          PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
          HOME: dir,
          LANG: "C.UTF-8",
          // Even when an operator lists them, platform variables are not passed on.
          GANTRY_MODEL_ENV: "HF_HOME,NATS_URL,GANTRY_SIGNING_SECRET",
          HF_HOME: "/models/hf",
          AWS_SECRET_ACCESS_KEY: "not-for-models",
        },
        timeout: 30_000,
      },
    );
    const { agent, server } = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as {
      agent: Record<string, string>;
      server: Record<string, string>;
    };
    // The agent has them…
    expect(agent).toEqual({ NATS_URL: SECRETS.NATS_URL, GANTRY_SIGNING_SECRET: SECRETS.GANTRY_SIGNING_SECRET });
    // …the model server does not.
    expect(Object.keys(server).filter((k) => /^(NATS_|GANTRY_|NKEY|AWS_)/.test(k))).toEqual([]);
    for (const secret of Object.values(SECRETS)) expect(JSON.stringify(server)).not.toContain(secret);
    expect(server.HOME).toMatch(/gantry-model-/);
    expect(server.HOME).not.toBe(dir);
    expect(server.TMPDIR).toBe(server.HOME);
    expect(server).toMatchObject({ LANG: "C.UTF-8", HF_HOME: "/models/hf", COG_MAX_CONCURRENCY: "2" });
    expect(server.PORT).toMatch(/^\d+$/);
  });
});
