import type { Deployment } from "@gantry/contracts/deployments";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

/**
 * Canary releases (Gantry extension of `PATCH /v1/deployments/{owner}/{name}`): a share of the
 * deployment's traffic goes to a new version, and the platform promotes it or rolls it back by
 * itself, comparing both releases' failure rates and predict times within the owner's bounds.
 */
let p: Platform;
const versions: Record<string, string> = {};
const serve = (...args: string[]) => ["node", "--import", "tsx", "models/src/serve.ts", ...args];

async function register(argv: string[]): Promise<string> {
  const res = await p.api("/v1/models/dev/canaried/versions", {
    method: "POST",
    body: JSON.stringify({ command: argv }),
  });
  const body = (await res.json()) as { id: string; detail?: string };
  if (res.status !== 201) throw new Error(`registering ${argv.join(" ")}: ${res.status} ${body.detail}`);
  return String(body.id);
}

beforeAll(async () => {
  p = await startPlatform();
  await p.replicate.models.create("dev", "canaried", { visibility: "private", hardware: "cpu" });
  versions.v1 = await register(serve("test"));
  // The same model under another command line: a second version that behaves the same.
  versions.v2 = await register(serve("test", "--release=2"));
  // A release of it whose every prediction fails.
  versions.broken = await register(serve("test", "--fail-predictions"));
  await p.replicate.deployments.create({
    name: "canaried",
    model: "dev/canaried",
    version: versions.v1 ?? "",
    hardware: "cpu",
    min_instances: 0,
    max_instances: 2,
  });
}, 120_000);
afterAll(async () => {
  await p?.close();
});

const deployment = async () => (await (await p.api("/v1/deployments/dev/canaried")).json()) as Deployment;

/** Runs predictions through the deployment until `done` says the canary ended. */
async function trafficUntil(done: (d: Deployment) => boolean): Promise<{ d: Deployment; versions: Set<string> }> {
  const seen = new Set<string>();
  for (let i = 0; i < 60; i++) {
    const batch = await Promise.all(
      Array.from({ length: 4 }, () =>
        p.replicate.deployments.predictions.create("dev", "canaried", { input: { tokens: 1 } }),
      ),
    );
    for (const b of batch) {
      seen.add(b.version);
      for (let j = 0; j < 100; j++) {
        const now = await p.replicate.predictions.get(b.id);
        if (["succeeded", "failed", "canceled"].includes(now.status)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const d = await deployment();
    if (done(d)) return { d, versions: seen };
  }
  throw new Error(`the canary never ended: ${JSON.stringify(await deployment())}`);
}

describe("canary releases of a deployment", () => {
  it("a healthy new version takes its share, then is promoted to a new release by itself", async () => {
    const res = await p.api("/v1/deployments/dev/canaried", {
      method: "PATCH",
      body: JSON.stringify({ canary: { version: versions.v2, percent: 50, min_predictions: 4 } }),
    });
    expect(res.status).toBe(200);
    const started = (await res.json()) as Deployment;
    expect(started.current_release.version).toBe(versions.v1);
    expect(started.canary).toMatchObject({ version: versions.v2, percent: 50, canary: { predictions: 0 } });
    // The official client still reads the deployment as it always did.
    expect((await p.replicate.deployments.get("dev", "canaried")).current_release.version).toBe(versions.v1);

    const { d, versions: seen } = await trafficUntil((x) => x.last_canary?.result === "promoted");
    // (Which prediction goes where is a random draw: the share itself is the unit tests' to prove.)
    expect(seen.has(versions.v2 ?? "")).toBe(true);
    expect(d.current_release.version).toBe(versions.v2);
    expect(d.current_release.number).toBe(started.current_release.number + 1);
    expect(d.canary).toBeUndefined();
    expect(d.last_canary?.canary.predictions).toBeGreaterThanOrEqual(4);
    expect(d.last_canary?.canary.failed).toBe(0);
  });

  it("a failing new version is rolled back by itself: the deployment keeps its version", async () => {
    const before = await deployment();
    await p.api("/v1/deployments/dev/canaried", {
      method: "PATCH",
      body: JSON.stringify({ canary: { version: versions.broken, percent: 50, min_predictions: 3 } }),
    });
    const { d } = await trafficUntil((x) => x.last_canary?.result === "rolled_back");
    expect(d.current_release.version).toBe(before.current_release.version);
    expect(d.last_canary).toMatchObject({ version: versions.broken, result: "rolled_back" });
    expect(d.last_canary?.reason).toMatch(/^failure rate 100\.0%/);
    // Traffic is whole again: every new prediction runs the deployment's version.
    const next = await p.replicate.deployments.predictions.create("dev", "canaried", { input: { tokens: 1 } });
    expect(next.version).toBe(before.current_release.version);
  });

  it("refuses a canary of the deployment's own version or of another model's, and null cancels one", async () => {
    const own = await p.api("/v1/deployments/dev/canaried", {
      method: "PATCH",
      body: JSON.stringify({ canary: { version: (await deployment()).current_release.version, percent: 10 } }),
    });
    expect(own.status).toBe(422);
    const foreign = await p.api("/v1/deployments/dev/canaried", {
      method: "PATCH",
      body: JSON.stringify({ canary: { version: "f".repeat(64), percent: 10 } }),
    });
    expect(foreign.status).toBe(422);
    await p.api("/v1/deployments/dev/canaried", {
      method: "PATCH",
      body: JSON.stringify({ canary: { version: versions.v1, percent: 10 } }),
    });
    const canceled = await p.api("/v1/deployments/dev/canaried", {
      method: "PATCH",
      body: JSON.stringify({ canary: null }),
    });
    expect(((await canceled.json()) as Deployment).last_canary).toMatchObject({
      result: "canceled",
      version: versions.v1,
    });
  });
});
