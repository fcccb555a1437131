import type { DeploymentRecord } from "@gantry/contracts/deployments";
import { encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { ensureTopology, openTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { DeploymentService, deploymentIndexKey } from "../../src/deployments-service.ts";
import type { GatewayDeps } from "../../src/deps.ts";
import { PredictionService } from "../../src/prediction-service.ts";

const AT = "2026-01-01T00:00:00.000Z";
const deployment = (account: string, name: string): DeploymentRecord => ({
  owner: account,
  name,
  account_id: account,
  model: `${account}/m`,
  version: "c".repeat(64),
  hardware: "cpu",
  min_instances: 0,
  max_instances: 1,
  release: 1,
  release_created_at: AT,
  created_at: AT,
});

describe("GET /v1/deployments (DeploymentService.list)", () => {
  it("reads only the caller's deployments, however many other accounts have; indexes older ones once", async () => {
    await using nats = await startNatsServer();
    const op = await connect(nats.connectOptions("operator"));
    const seeded = await ensureTopology(op);
    // Stored before the index existed: 500 other accounts' deployments and two of the caller's.
    for (let i = 0; i < 500; i++) {
      await seeded.deployments.put(`other${i}/d`, encode(deployment(`other${i}`, "d")));
    }
    for (const name of ["a", "b"]) await seeded.deployments.put(`me/${name}`, encode(deployment("me", name)));

    const nc = await connect(nats.connectOptions("gateway"));
    const buckets = await openTopology(nc, { identity: "gateway" });
    const deps = {
      nc,
      buckets,
      now: () => new Date(AT),
      newId: () => "x",
      newToken: () => "t",
      signingSecret: "s".repeat(32),
      log: silentLogger,
    } satisfies GatewayDeps;
    // Every deployment key read.
    let read: string[] = [];
    const get = buckets.deployments.get.bind(buckets.deployments);
    buckets.deployments.get = (...args: Parameters<typeof get>) => {
      read.push(args[0]);
      return get(...args);
    };

    // The first listing after the upgrade indexes what was stored (once, for every account).
    const first = new DeploymentService(deps, new PredictionService(deps));
    expect((await first.list("me")).map((d) => d.name).sort()).toEqual(["a", "b"]);
    expect((await seeded.predictionIndex.get(deploymentIndexKey("other7", "other7/d")))?.operation).toBe("PUT");

    // From then on (this gateway or another), a listing reads the caller's keys only.
    const later = new DeploymentService(deps, new PredictionService(deps));
    read = [];
    expect((await later.list("me")).map((d) => d.name).sort()).toEqual(["a", "b"]);
    expect(read.sort()).toEqual(["me/a", "me/b"]);
    expect((await later.list("other7")).map((d) => d.owner)).toEqual(["other7"]);

    // Deleting one takes it out of the listing and the index.
    await later.delete("me", "me", "a");
    expect((await seeded.predictionIndex.get(deploymentIndexKey("me", "me/a")))?.operation).not.toBe("PUT");
    read = [];
    expect((await later.list("me")).map((d) => d.name)).toEqual(["b"]);
    for (const key of read) expect(["me/a", "me/b"]).toContain(key);
    expect(nats.violations()).toEqual([]);
    await nc.close();
    await op.close();
  }, 60_000);
});
