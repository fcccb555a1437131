import type { ModelRecord, VersionRecord } from "@gantry/contracts/models";
import { encode } from "@gantry/platform/codec";
import { sha256Hex } from "@gantry/platform/ids";
import { silentLogger } from "@gantry/platform/logger";
import { Registry, VERSION_INDEX_MIGRATED, versionIndexKey } from "@gantry/platform/registry";
import { ensureTopology, openTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import type { GatewayDeps } from "../../src/deps.ts";
import { ModelsService } from "../../src/models-service.ts";
import { PredictionService } from "../../src/prediction-service.ts";

const AT = Date.parse("2026-01-01T00:00:00.000Z");
const model = (owner: string, name: string): ModelRecord => ({
  owner,
  name,
  account_id: owner,
  visibility: "public",
  hardware: "cpu",
  description: null,
  github_url: null,
  paper_url: null,
  license_url: null,
  cover_image_url: null,
  latest_version_id: null,
  run_count: 0,
  created_at: new Date(AT).toISOString(),
});
let seq = 0;
const version = (m: string): VersionRecord => ({
  id: sha256Hex(`v${seq}`),
  model: m,
  account_id: m.split("/")[0] ?? "",
  cog_version: null,
  openapi_schema: {},
  runtime: { kind: "url", url: "http://127.0.0.1:1" },
  concurrency: 1,
  created_at: new Date(AT + seq++ * 1000).toISOString(),
});

describe("GET /v1/models/{owner}/{name}/versions (ModelsService.versions)", () => {
  it("reads only the model's versions, however many other models have; indexes older ones once", async () => {
    await using nats = await startNatsServer();
    const op = await connect(nats.connectOptions("operator"));
    const seeded = await ensureTopology(op);
    // Stored before the index existed: 300 other accounts' versions, two of me/m and one of me/m.2
    // (a dotted name whose keys begin like me/m's).
    for (let i = 0; i < 300; i++) {
      const v = version(`other${i}/m`);
      await seeded.versions.put(v.id, encode(v));
    }
    const mine = [version("me/m"), version("me/m")];
    const dotted = version("me/m.2");
    for (const v of [...mine, dotted]) await seeded.versions.put(v.id, encode(v));
    await seeded.models.put("me/m", encode(model("me", "m")));
    await seeded.models.put("me/m.2", encode(model("me", "m.2")));
    const newestFirst = (vs: VersionRecord[]) => vs.map((v) => v.id).reverse();

    // The admin console may not write versions: before any gateway indexed them, it scans.
    const adminNc = await connect(nats.connectOptions("admin"));
    const admin = new Registry(await openTopology(adminNc, { identity: "admin" }));
    expect((await admin.listVersions("me", "m")).map((v) => v.id).sort()).toEqual(mine.map((v) => v.id).sort());
    expect((await seeded.versions.get(VERSION_INDEX_MIGRATED))?.operation).not.toBe("PUT");

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
    // Every version key read.
    let read: string[] = [];
    const get = buckets.versions.get.bind(buckets.versions);
    buckets.versions.get = (...args: Parameters<typeof get>) => {
      read.push(args[0]);
      return get(...args);
    };
    const urlFor = (c: string) => `http://gw/?cursor=${c}`;

    // The first listing after the upgrade indexes what was stored (once, for every model).
    const first = new ModelsService(new PredictionService(deps), deps);
    expect((await first.versions("me", "me", "m", undefined, urlFor)).results.map((v) => v.id)).toEqual(
      newestFirst(mine),
    );
    expect((await seeded.versions.get(versionIndexKey("other7/m", sha256Hex("v7"))))?.operation).toBe("PUT");
    expect((await seeded.versions.get(VERSION_INDEX_MIGRATED))?.operation).toBe("PUT");

    // From then on (this gateway, another, or the admin console), a listing reads the model's keys only.
    const later = new ModelsService(new PredictionService(deps), deps);
    read = [];
    expect((await later.versions("me", "me", "m", undefined, urlFor)).results.map((v) => v.id)).toEqual(
      newestFirst(mine),
    );
    expect(read.filter((k) => k !== VERSION_INDEX_MIGRATED).sort()).toEqual(mine.map((v) => v.id).sort());
    expect((await later.versions("me", "me", "m.2", undefined, urlFor)).results.map((v) => v.id)).toEqual([dotted.id]);
    expect((await admin.listVersions("other7", "m")).map((v) => v.model)).toEqual(["other7/m"]);

    // A version stored now is indexed as it is stored; a deleted one leaves the index.
    const registry = new Registry(buckets);
    const added = version("me/m");
    await registry.putVersion(added);
    expect((await seeded.versions.get(versionIndexKey("me/m", added.id)))?.operation).toBe("PUT");
    await registry.deleteVersion(mine[0]?.id ?? "");
    expect((await seeded.versions.get(versionIndexKey("me/m", mine[0]?.id ?? "")))?.operation).not.toBe("PUT");
    read = [];
    const page = await later.versions("me", "me", "m", undefined, urlFor);
    expect(page.results.map((v) => v.id)).toEqual([added.id, mine[1]?.id]);
    // At most the model's keys (a removed version's entry may still be listed, then read as gone).
    for (const key of read) expect([VERSION_INDEX_MIGRATED, added.id, ...mine.map((v) => v.id)]).toContain(key);

    expect(nats.violations()).toEqual([]);
    await nc.close();
    await adminNc.close();
    await op.close();
  }, 60_000);
});
