import { DeploymentRecord } from "@gantry/contracts/deployments";
import { FileRecord } from "@gantry/contracts/files";
import type { VersionRecord } from "@gantry/contracts/models";
import { DeploymentService, deploymentIndexKey } from "@gantry/gateway/deployments-service";
import type { GatewayDeps } from "@gantry/gateway/deps";
import { FilesService } from "@gantry/gateway/files-service";
import { ModelsService } from "@gantry/gateway/models-service";
import { PredictionService } from "@gantry/gateway/prediction-service";
import { decode, encode } from "@gantry/platform/codec";
import { fileIndexKey } from "@gantry/platform/file-index";
import { sha256Hex } from "@gantry/platform/ids";
import { listKeys } from "@gantry/platform/kv-keys";
import { silentLogger } from "@gantry/platform/logger";
import { Registry, versionIndexKey } from "@gantry/platform/registry";
import { ensureTopology, openTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import type { KV } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { percentile } from "./stats.ts";

interface Options {
  /** Records of other accounts (one account each), default 10,000. */
  others?: number;
  /** Records of the caller, default 20. */
  mine?: number;
  /** Listings timed per row, default 20. */
  runs?: number;
}

const AT = Date.parse("2026-01-01T00:00:00.000Z");
const fileRecord = (id: string, account: string): FileRecord =>
  FileRecord.parse({
    id,
    account_id: account,
    name: "a.txt",
    content_type: "text/plain",
    size: 1,
    etag: "0".repeat(32),
    checksums: { sha256: "0".repeat(64), md5: "0".repeat(32) },
    metadata: {},
    created_at: new Date(AT).toISOString(),
    expires_at: new Date(AT + 3_600_000).toISOString(),
  });
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
  release_created_at: new Date(AT).toISOString(),
  created_at: new Date(AT).toISOString(),
});
const version = (model: string, i: number): VersionRecord => ({
  id: sha256Hex(`${model}:${i}`),
  model,
  account_id: model.split("/")[0] ?? "",
  cog_version: null,
  openapi_schema: {},
  runtime: { kind: "url", url: "http://127.0.0.1:1" },
  concurrency: 1,
  created_at: new Date(AT + i * 1000).toISOString(),
});

/** Puts many keys with a bounded number in flight (seeding only). */
async function putAll(kv: KV, entries: [string, Uint8Array | string][]): Promise<void> {
  for (let i = 0; i < entries.length; i += 256) {
    await Promise.all(entries.slice(i, i + 256).map(([k, v]) => kv.put(k, v)));
  }
}

/**
 * The listings before their per-account indexes, as they were: every key of the bucket listed and
 * every record read, then filtered by account (files before 4f532ae, deployments before 5c8ef79,
 * versions before this index: what `Registry.listVersions` still does until the index is built).
 */
async function scanFiles(files: KV, accountId: string, now: number): Promise<FileRecord[]> {
  const ids = (await listKeys(files)).filter((k) => !k.startsWith("idx."));
  const out: FileRecord[] = [];
  for (let i = 0; i < ids.length; i += 64) {
    const batch = await Promise.all(ids.slice(i, i + 64).map((id) => files.get(id)));
    for (const e of batch) {
      if (e?.operation !== "PUT") continue;
      const r = decode(FileRecord, e.value, "file");
      if (r.account_id === accountId && Date.parse(r.expires_at) > now) out.push(r);
    }
  }
  return out;
}
async function scanDeployments(deployments: KV, accountId: string): Promise<DeploymentRecord[]> {
  const out: DeploymentRecord[] = [];
  for (const k of await listKeys(deployments)) {
    const e = await deployments.get(k);
    if (e?.operation !== "PUT") continue;
    const r = decode(DeploymentRecord, e.value, "deployment");
    if (r.account_id === accountId) out.push(r);
  }
  return out;
}

async function time(runs: number, expected: number, op: () => Promise<number>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const n = await op();
    ms.push(performance.now() - t);
    if (n !== expected) throw new Error(`listed ${n}, expected ${expected}`);
  }
  return ms;
}

/**
 * One account's listing of files, deployments and versions among many other accounts' records,
 * through the gateway's services on a real nats-server: the per-account index against the scan of
 * every record that served these listings before.
 */
export async function benchListing(options: Options = {}): Promise<string> {
  const others = options.others ?? 10_000;
  const mine = options.mine ?? 20;
  const runs = options.runs ?? 20;
  await using nats = await startNatsServer();
  const op = await connect(nats.connectOptions("operator"));
  const seeded = await ensureTopology(op);

  const fileEntries: [string, Uint8Array | string][] = [];
  const addFile = (account: string, n: number) => {
    const id = `f${String(n).padStart(25, "0")}`;
    fileEntries.push([fileIndexKey(account, id), id], [id, encode(fileRecord(id, account))]);
  };
  const depEntries: [string, Uint8Array | string][] = [];
  const indexEntries: [string, Uint8Array | string][] = [];
  const addDeployment = (account: string, name: string) => {
    depEntries.push([`${account}/${name}`, encode(deployment(account, name))]);
    indexEntries.push([deploymentIndexKey(account, `${account}/${name}`), ""]);
  };
  const versionEntries: [string, Uint8Array | string][] = [];
  const addVersion = (model: string, i: number) => {
    const v = version(model, i);
    versionEntries.push([versionIndexKey(model, v.id), ""], [v.id, encode(v)]);
  };
  for (let i = 0; i < others; i++) {
    addFile(`other${i}`, i);
    addDeployment(`other${i}`, "d");
    addVersion(`other${i}/m`, 0);
  }
  for (let i = 0; i < mine; i++) {
    addFile("me", others + i);
    addDeployment("me", `d${i}`);
    addVersion("me/m", i);
  }
  await putAll(seeded.files, fileEntries);
  await putAll(seeded.deployments, depEntries);
  await putAll(seeded.predictionIndex, [...indexEntries, ["_migrations.deployment-index", ""]]);
  await putAll(seeded.versions, [...versionEntries, ["_migrations.version-index", ""]]);
  await seeded.models.put(
    "me/m",
    encode({
      owner: "me",
      name: "m",
      account_id: "me",
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
    }),
  );

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
  const predictions = new PredictionService(deps);
  const files = new FilesService(deps);
  const deployments = new DeploymentService(deps, predictions);
  const models = new ModelsService(predictions, deps);
  // The registry of a listing before the version index: it scans every version.
  const scanning = new Registry(await openTopology(nc, { identity: "gateway" }));
  await seeded.versions.delete("_migrations.version-index");
  const scanVersions = async () => (await scanning.listVersions("me", "m")).length;
  const scanVersionsOnce = await scanVersions(); // warms the connection's consumers
  await seeded.versions.put("_migrations.version-index", "");
  const urlFor = (c: string) => `http://gw/?cursor=${c}`;

  const rows: [string, string, number[]][] = [
    [
      "`GET /v1/files`",
      "scan every record (before)",
      await time(runs, mine, async () => (await scanFiles(buckets.files, "me", AT)).length),
    ],
    ["`GET /v1/files`", "per-account index (now)", await time(runs, mine, async () => (await files.list("me")).length)],
    [
      "`GET /v1/deployments`",
      "scan every record (before)",
      await time(runs, mine, async () => (await scanDeployments(buckets.deployments, "me")).length),
    ],
    [
      "`GET /v1/deployments`",
      "per-account index (now)",
      await time(runs, mine, async () => (await deployments.list("me")).length),
    ],
  ];
  await seeded.versions.delete("_migrations.version-index");
  rows.push([
    "`GET /v1/models/{owner}/{name}/versions`",
    "scan every record (before)",
    await time(runs, mine, scanVersions),
  ]);
  await seeded.versions.put("_migrations.version-index", "");
  rows.push([
    "`GET /v1/models/{owner}/{name}/versions`",
    "per-model index (now)",
    await time(runs, mine, async () => (await models.versions("me", "me", "m", undefined, urlFor)).results.length),
  ]);
  if (scanVersionsOnce !== mine) throw new Error("the scanning registry listed the wrong versions");
  await nc.close();
  await op.close();

  const table = [
    `### Listing one account's ${mine} records among ${others.toLocaleString("en")} other accounts' (${runs} listings each)`,
    "",
    "| listing | how | p50 ms | p99 ms |",
    "|---|---|---:|---:|",
    ...rows.map(
      ([what, how, ms]) => `| ${what} | ${how} | ${percentile(ms, 50).toFixed(2)} | ${percentile(ms, 99).toFixed(2)} |`,
    ),
  ];
  return `${table.join("\n")}\n`;
}
