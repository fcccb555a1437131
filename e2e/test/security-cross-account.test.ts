import { Registry } from "@gantry/platform/registry";
import { ensureTopology } from "@gantry/platform/topology";
import Replicate from "replicate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

/**
 * The cross-account matrix, on production defaults: every resource one account owns, tried by
 * another with an ordinary token. Reads answer 404 (never 403: existence is not disclosed),
 * writes answer 404 and change nothing, lists do not show it.
 */
let p: Platform;
const EVE = "r8_e2e_security_eve";
let eve: Replicate;
const mine: Record<string, string> = {};

const NOT_FOUND = { status: 404, title: "Not found" };

async function asEve(method: string, path: string, body?: unknown) {
  const res = await fetch(`${p.stack.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${EVE}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type"), json: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  // Production defaults: no private webhooks, no runtimes for accounts.
  p = await startPlatform("r8_e2e_security_dev", {
    env: { GANTRY_WEBHOOKS_ALLOW_PRIVATE: "0", GANTRY_ALLOW_VERSION_COMMANDS: "0" },
  });
  const registry = new Registry(await ensureTopology(p.nc));
  const at = new Date().toISOString();
  await registry.putAccount({ id: "eve", type: "user", username: "eve", name: "Eve", created_at: at });
  await registry.putToken(EVE, { account_id: "eve", name: "e2e", created_at: at });
  eve = new Replicate({ auth: EVE, baseUrl: `${p.stack.baseUrl}/v1` });

  const r = p.replicate;
  await r.models.create("dev", "secret-model", { visibility: "private", hardware: "cpu" });
  const prediction = await r.predictions.create({
    version: p.stack.versions["gantry/test"] ?? "",
    input: { tokens: 2 },
  });
  mine.prediction = prediction.id;
  mine.stream = prediction.urls.stream ?? "";
  await r.wait(prediction);
  const textStream = (await r.models.get("gantry", "text-stream")).latest_version?.id ?? "";
  const training = await r.trainings.create("gantry", "text-stream", textStream, {
    destination: "dev/secret-model",
    input: { text: "a private text to learn from", epochs: 50 },
  });
  mine.training = training.id;
  const file = await r.files.create(new Blob(["private bytes"], { type: "text/plain" }), { purpose: "mine" });
  mine.file = file.id;
  await r.deployments.create({
    name: "secret-deployment",
    model: "gantry/test",
    version: p.stack.versions["gantry/test"] ?? "",
    hardware: "cpu",
    min_instances: 0,
    max_instances: 1,
  });
}, 120_000);
afterAll(async () => {
  await p?.close();
});

describe("another account's resources", () => {
  it("predictions: 404 to read, cancel or follow its webhooks; not listed", async () => {
    const before = await p.replicate.predictions.get(mine.prediction ?? "");
    for (const [method, path] of [
      ["GET", `/v1/predictions/${mine.prediction}`],
      ["POST", `/v1/predictions/${mine.prediction}/cancel`],
      ["GET", `/v1/predictions/${mine.prediction}/webhooks`],
    ] as const) {
      expect(await asEve(method, path), `${method} ${path}`).toMatchObject({ status: 404, json: NOT_FOUND });
    }
    const listed = await eve.predictions.list();
    expect(listed.results.map((x) => x.id)).not.toContain(mine.prediction);
    expect(await p.replicate.predictions.get(mine.prediction ?? "")).toEqual(before);
  });

  it("trainings: 404 to read or cancel, also at /v1/predictions; not listed", async () => {
    for (const [method, path] of [
      ["GET", `/v1/trainings/${mine.training}`],
      ["POST", `/v1/trainings/${mine.training}/cancel`],
      ["GET", `/v1/predictions/${mine.training}`],
      ["POST", `/v1/predictions/${mine.training}/cancel`],
    ] as const) {
      expect(await asEve(method, path), `${method} ${path}`).toMatchObject({ status: 404, json: NOT_FOUND });
    }
    expect((await eve.trainings.list()).results.map((t) => t.id)).not.toContain(mine.training);
    // Eve's cancel changed nothing: the training goes on (or has ended) as its owner left it.
    expect((await p.replicate.trainings.get(mine.training ?? "")).status).not.toBe("canceled");
    await p.replicate.trainings.cancel(mine.training ?? "");
  });

  it("files: 404 to read or delete; not listed; the owner still has it", async () => {
    for (const [method, path] of [
      ["GET", `/v1/files/${mine.file}`],
      ["DELETE", `/v1/files/${mine.file}`],
    ] as const) {
      expect(await asEve(method, path), `${method} ${path}`).toMatchObject({ status: 404, json: NOT_FOUND });
    }
    const listed = await asEve("GET", "/v1/files");
    expect((listed.json.results as { id: string }[]).map((f) => f.id)).not.toContain(mine.file);
    expect((await p.replicate.files.get(mine.file ?? "")).id).toBe(mine.file);
  });

  it("a private model: 404 everywhere, to read, change, delete, version, train into or run; not listed or found", async () => {
    const base = `/v1/models/dev/secret-model`;
    const textStream = (await p.replicate.models.get("gantry", "text-stream")).latest_version?.id ?? "";
    for (const [method, path, body] of [
      ["GET", base],
      ["GET", `${base}/readme`],
      ["GET", `${base}/examples`],
      ["GET", `${base}/versions`],
      ["GET", `${base}/versions/${"a".repeat(64)}`],
      ["PATCH", base, { description: "eve was here" }],
      ["DELETE", base],
      ["POST", `${base}/versions`, { url: "https://example.com" }],
      ["POST", `${base}/predictions`, { input: {} }],
      [
        "POST",
        `/v1/models/gantry/text-stream/versions/${textStream}/trainings`,
        { destination: "dev/secret-model", input: { text: "x" } },
      ],
    ] as const) {
      expect((await asEve(method, path, body)).status, `${method} ${path}`).toBe(404);
    }
    expect((await eve.models.list()).results.map((m) => `${m.owner}/${m.name}`)).not.toContain("dev/secret-model");
    expect((await eve.models.search("secret")).results).toEqual([]);
    const search = await asEve("GET", "/v1/search?query=secret-model");
    expect(search.json.models).toEqual([]);
    expect((await p.replicate.models.get("dev", "secret-model")).description).not.toBe("eve was here");
  });

  it("a deployment: 404 to read, change, delete or run; not listed", async () => {
    const base = "/v1/deployments/dev/secret-deployment";
    for (const [method, path, body] of [
      ["GET", base],
      ["PATCH", base, { max_instances: 5 }],
      ["DELETE", base],
      ["POST", `${base}/predictions`, { input: { tokens: 1 } }],
    ] as const) {
      expect(await asEve(method, path, body), `${method} ${path}`).toMatchObject({ status: 404 });
    }
    const listed = await eve.deployments.list();
    expect(listed.results.map((d) => `${d.owner}/${d.name}`)).not.toContain("dev/secret-deployment");
    const still = await p.replicate.deployments.get("dev", "secret-deployment");
    expect(still.current_release?.configuration.max_instances).toBe(1);
  });

  it("the account, its usage and its webhook secret are the caller's own", async () => {
    expect((await eve.accounts.current()).username).toBe("eve");
    const usage = await asEve("GET", "/v1/account/usage");
    expect(usage.status).toBe(200);
    expect(JSON.stringify(usage.json)).not.toContain(mine.prediction);
    const devSecret = (await p.replicate.webhooks.default.secret.get()).key;
    expect((await eve.webhooks.default.secret.get()).key).not.toBe(devSecret);
  });

  it("a prediction's stream is a capability: a forged token answers 404", async () => {
    const forged = (mine.stream ?? "").replace(/\/[^/]+$/, "/r8_forged");
    const res = await fetch(forged);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/problem\+json/);
  });
});
