import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { httpRequest } from "@gantry/platform/http-client";
import { freePort } from "@gantry/platform/ports";
import { Registry } from "@gantry/platform/registry";
import { ensureTopology } from "@gantry/platform/topology";
import { freeBadPort } from "@gantry/testing/bad-port";
import { REPO_ROOT } from "@gantry/testing/stack";
import type { Model, ModelVersion, Page } from "replicate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

const OTHER_TOKEN = "r8_e2e_other_token";
const COMMAND = ["node", "--import", "tsx", "models/src/serve.ts", "test"];
const NOT_FOUND = { status: 404, detail: "The requested resource could not be found." };

let p: Platform;
let cog: ChildProcess | undefined;
beforeAll(async () => {
  p = await startPlatform();
  // A second account, to show that private models stay private.
  const registry = new Registry(await ensureTopology(p.nc));
  const at = new Date().toISOString();
  await registry.putAccount({ id: "other", type: "user", username: "other", name: "Other", created_at: at });
  await registry.putToken(OTHER_TOKEN, { account_id: "other", name: "e2e", created_at: at });
});
afterAll(async () => {
  cog?.kill("SIGTERM");
  await p?.close();
});

/** A request as `token`'s account, with its status and parsed body. */
async function call(method: string, path: string, body?: unknown, token?: string) {
  const res = await p.api(path, {
    method,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
  });
  const text = await res.text();
  const type = res.headers.get("content-type") ?? "";
  const json = type.includes("json") ? (JSON.parse(text) as Record<string, unknown>) : null;
  return { status: res.status, type, text, json };
}

/** The client's `Model` type leaves out `created_at`, which the API sends (reference §8.1). */
const createdAt = (m: Model) => String((m as Model & { created_at?: string }).created_at);

const newModel = (name: string, extra: Record<string, unknown> = {}, token?: string) =>
  call(
    "POST",
    "/v1/models",
    { owner: token ? "other" : "dev", name, visibility: "private", hardware: "cpu", ...extra },
    token,
  );

describe("models and versions through the official client", () => {
  it("models.get returns the demo model with its latest version and schema", async () => {
    const m = await p.replicate.models.get("gantry", "test");
    expect(m).toMatchObject({
      url: `${p.stack.baseUrl}/gantry/test`,
      owner: "gantry",
      name: "test",
      visibility: "public",
      is_official: false,
      default_example: null,
    });
    expect(m.latest_version?.id).toBe(p.stack.versions["gantry/test"]);
    const schema = m.latest_version?.openapi_schema as { components: { schemas: Record<string, unknown> } };
    expect(schema.components.schemas.Input).toBeDefined();
  });

  it("models.create makes a model owned by the caller", async () => {
    const m = await p.replicate.models.create("dev", "first", {
      visibility: "private",
      hardware: "cpu",
      description: "A first model",
      github_url: "https://github.com/example/first",
    });
    expect(m).toMatchObject({
      url: `${p.stack.baseUrl}/dev/first`,
      owner: "dev",
      name: "first",
      visibility: "private",
      description: "A first model",
      github_url: "https://github.com/example/first",
      paper_url: null,
      run_count: 0,
      latest_version: null,
    });
    expect(createdAt(await p.replicate.models.get("dev", "first"))).toBe(createdAt(m));
  });

  it("a version made from a command runs through replicate.run", async () => {
    const created = await call("POST", "/v1/models/dev/first/versions", { command: COMMAND });
    expect(created.status).toBe(201);
    const version = created.json as unknown as ModelVersion;
    expect(version.id).toMatch(/^[0-9a-f]{64}$/);
    expect(version.id).not.toBe(p.stack.versions["gantry/test"]);
    expect(Object.keys(version).sort()).toEqual(["cog_version", "created_at", "id", "openapi_schema"]);
    expect((await p.replicate.models.versions.get("dev", "first", version.id)).id).toBe(version.id);
    const list = await p.replicate.models.versions.list("dev", "first");
    expect(list.results.map((v) => v.id)).toEqual([version.id]);
    expect((await p.replicate.models.get("dev", "first")).latest_version?.id).toBe(version.id);

    expect(await p.replicate.run(`dev/first:${version.id}`, { input: { tokens: 2 } })).toEqual(["tok0", " tok1"]);
    expect(await p.replicate.run("dev/first", { input: { tokens: 1 } })).toEqual(["tok0"]);
    // The demo model's own version is untouched.
    expect(await p.replicate.run("gantry/test", { input: { tokens: 1 } })).toEqual(["tok0"]);
  });

  it("a version from a running server's URL becomes the latest; deleting it restores the previous one", async () => {
    const port = await freePort();
    cog = spawn(COMMAND[0] ?? "node", COMMAND.slice(1), {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: String(port) },
      stdio: "ignore",
    });
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 200; i++) {
      if (
        await fetch(`${url}/health-check`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await sleep(50);
    }
    const before = (await p.replicate.models.get("dev", "first")).latest_version?.id;
    const created = await call("POST", "/v1/models/dev/first/versions", { url, concurrency: 2 });
    expect(created.status).toBe(201);
    const id = String(created.json?.id);
    expect(id).not.toBe(before);
    expect(created.json?.cog_version).toBe("gantry");
    const versions = await p.replicate.models.versions.list("dev", "first");
    expect(versions.results.map((v) => v.id)).toEqual([id, before]);
    expect((await p.replicate.models.get("dev", "first")).latest_version?.id).toBe(id);

    const deleted = await call("DELETE", `/v1/models/dev/first/versions/${id}`);
    expect(deleted.status).toBe(202);
    expect((await p.replicate.models.get("dev", "first")).latest_version?.id).toBe(before);
    expect((await call("GET", `/v1/models/dev/first/versions/${id}`)).json).toMatchObject(NOT_FOUND);
  });

  it("a version from a server on a port Node's fetch refuses is read by an agent, and runs", async () => {
    const port = await freeBadPort();
    const server = spawn(COMMAND[0] ?? "node", COMMAND.slice(1), {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: String(port) },
      stdio: "ignore",
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      // node:http, not fetch: fetch refuses this port.
      for (let i = 0; i < 200; i++) {
        const up = await httpRequest(`${url}/health-check`, { method: "GET", timeoutMs: 1000, maxBytes: 4096 }).then(
          (r) => r.status === 200,
          () => false,
        );
        if (up) break;
        await sleep(50);
      }
      expect((await newModel("bad-port")).status).toBe(201);
      const created = await call("POST", "/v1/models/dev/bad-port/versions", { url, concurrency: 1 });
      expect(created.status).toBe(201);
      expect(created.json?.cog_version).toBe("gantry");
      const id = String(created.json?.id);
      const prediction = await p.replicate.predictions.create({ version: id, input: { tokens: 2 } });
      const done = await p.replicate.wait(prediction, { interval: 100 });
      expect(done).toMatchObject({ status: "succeeded", output: ["tok0", " tok1"] });
      expect((await call("DELETE", `/v1/models/dev/bad-port/versions/${id}`)).status).toBe(202);
    } finally {
      server.kill("SIGTERM");
    }
  });

  it("models.list pages newest first over every visible model", async () => {
    const names = Array.from({ length: 105 }, (_, i) => `many-${String(i).padStart(3, "0")}`);
    for (let i = 0; i < names.length; i += 15) {
      const batch = await Promise.all(names.slice(i, i + 15).map((n) => newModel(n, { visibility: "public" })));
      expect(batch.map((r) => r.status)).toEqual(batch.map(() => 201));
    }
    const first = await p.replicate.models.list();
    expect(first.results).toHaveLength(100);
    expect(first.previous).toBeNull();
    expect(first.next).toMatch(new RegExp(`^${p.stack.baseUrl}/v1/models\\?cursor=`));
    const seen: Model[] = [];
    for await (const page of p.replicate.paginate(() => p.replicate.models.list())) seen.push(...page);
    const ids = seen.map((m) => `${m.owner}/${m.name}`);
    expect(new Set(ids).size).toBe(ids.length);
    for (const n of names) expect(ids).toContain(`dev/${n}`);
    expect(ids).toContain("gantry/test");
    expect(ids).toContain("dev/first");
    const times = seen.map(createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    // `previous` of the second page leads back to the first.
    const second = (await (await p.replicate.request(String(first.next), { method: "GET" })).json()) as Page<Model>;
    const back = (await (await p.replicate.request(String(second.previous), { method: "GET" })).json()) as Page<Model>;
    expect(back.results.map((m) => m.name)).toEqual(first.results.map((m) => m.name));
  });

  it("models.search finds models by name or description", async () => {
    const found = await p.replicate.models.search("first model");
    expect(found.results.map((m) => `${m.owner}/${m.name}`)).toEqual(["dev/first"]);
    const test = await p.replicate.models.search("gantry/TEST");
    expect(test.results.map((m) => `${m.owner}/${m.name}`)).toEqual(["gantry/test"]);
    expect((await p.replicate.models.search("no such model anywhere")).results).toEqual([]);
  });

  it("PATCH changes the model's links and README", async () => {
    expect((await call("GET", "/v1/models/dev/first/readme")).status).toBe(404);
    const patched = await call("PATCH", "/v1/models/dev/first", {
      description: "Updated",
      readme: "# First\n\nHello.",
      weights_url: "https://example.com/w.bin",
      github_url: null,
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      description: "Updated",
      weights_url: "https://example.com/w.bin",
      github_url: null,
    });
    const readme = await call("GET", "/v1/models/dev/first/readme");
    expect(readme).toMatchObject({ status: 200, text: "# First\n\nHello." });
    expect(readme.type).toContain("text/plain");
    expect((await call("PATCH", "/v1/models/dev/first", { visibility: "public" })).status).toBe(422);
  });
});

describe("refusals", () => {
  it("an unknown hardware SKU is Replicate's 400 Validation failed", async () => {
    const res = await newModel("bad-hw", { hardware: "gpu-x" });
    const detail =
      "gpu-x is not a valid hardware SKU. Your options are: cpu, cpu-small, gpu-a100-large, gpu-a100-large-2x, " +
      "gpu-a100-large-4x, gpu-a100-large-8x, gpu-h100, gpu-h100-2x, gpu-h100-4x, gpu-h100-8x, gpu-l40s, " +
      "gpu-l40s-2x, gpu-l40s-4x, gpu-l40s-8x, gpu-t4.";
    expect(res.status).toBe(400);
    expect(res.type).toContain("application/problem+json");
    expect(res.json).toEqual({
      status: 400,
      title: "Validation failed",
      detail: `The following errors occurred:\n- hardware: ${detail}`,
      errors: [{ pointer: "/hardware", detail }],
    });
  });

  it("a model for another owner, a bad name or malformed JSON is a 400", async () => {
    expect((await newModel("x", { owner: "gantry" })).json).toMatchObject({ status: 400, title: "Validation failed" });
    expect((await newModel("Bad Name")).json).toMatchObject({ status: 400, errors: [{ pointer: "/name" }] });
    expect((await call("POST", "/v1/models", "{")).json).toMatchObject({ status: 400, title: "Invalid JSON" });
  });

  it("a duplicate name is a 409", async () => {
    const res = await newModel("first");
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({ status: 409, detail: "A model named dev/first already exists." });
    await expect(p.replicate.models.create("dev", "first", { visibility: "public", hardware: "cpu" })).rejects.toThrow(
      /status 409/,
    );
  });

  it("another account's private model is a 404 everywhere, and changing another's model a 403", async () => {
    expect((await newModel("secret", {}, OTHER_TOKEN)).status).toBe(201);
    for (const path of ["", "/readme", "/versions", `/versions/${"a".repeat(64)}`]) {
      expect((await call("GET", `/v1/models/other/secret${path}`)).json).toMatchObject(NOT_FOUND);
    }
    expect((await call("PATCH", "/v1/models/other/secret", { description: "x" })).status).toBe(404);
    expect((await call("DELETE", "/v1/models/other/secret")).status).toBe(404);
    expect((await call("POST", "/v1/models/other/secret/versions", { command: COMMAND })).status).toBe(404);
    await expect(p.replicate.models.get("other", "secret")).rejects.toThrow(/status 404/);
    expect((await p.replicate.models.search("secret")).results).toEqual([]);
    const theirs = await call("QUERY", "/v1/models", JSON.stringify("secret"), OTHER_TOKEN);
    expect((theirs.json as unknown as Page<Model>).results.map((m) => m.name)).toEqual(["secret"]);
    expect((await call("GET", "/v1/models/dev/first", undefined, OTHER_TOKEN)).status).toBe(404);

    const patch = await call("PATCH", "/v1/models/gantry/test", { description: "mine now" });
    expect(patch.json).toMatchObject({ status: 403, title: "Forbidden" });
    expect((await call("DELETE", "/v1/models/gantry/test")).status).toBe(403);
  });

  it("a bad cursor is a 400", async () => {
    for (const path of ["/v1/models?cursor=garbage", "/v1/models/dev/first/versions?cursor=bm9wZQ"]) {
      expect((await call("GET", path)).json).toMatchObject({ status: 400, title: "Invalid cursor" });
    }
  });

  it("a version body must name exactly one runtime, and a server that is not there is a 422", async () => {
    for (const body of [{}, { url: "http://127.0.0.1:1", command: COMMAND }, { command: [] }, { url: "ftp://x" }]) {
      expect((await call("POST", "/v1/models/dev/first/versions", body)).status).toBe(422);
    }
    const gone = await call("POST", "/v1/models/dev/first/versions", { url: "http://127.0.0.1:1" });
    expect(gone.json).toMatchObject({ status: 422, title: "Invalid model server" });
    const exits = await call("POST", "/v1/models/dev/first/versions", { command: ["node", "-e", "process.exit(3)"] });
    expect(String(exits.json?.detail)).toContain("exited during setup (code 3)");
    const missing = await call("POST", "/v1/models/dev/first/versions", { command: ["no-such-binary-xyz"] });
    expect(String(missing.json?.detail)).toMatch(/could not be started.*ENOENT/);
  });

  it("an image version needs Docker: a clear 422 where there is none (or no daemon)", async () => {
    const res = await call("POST", "/v1/models/dev/first/versions", { image: "r8.im/nobody/nothing@sha256:0" });
    expect(res.status).toBe(422);
    expect(String(res.json?.detail)).toMatch(/Docker is not installed|the image r8\.im\/nobody\/nothing/);
  });

  it("a model is deleted only when private and without versions", async () => {
    expect((await newModel("public-one", { visibility: "public" })).status).toBe(201);
    expect((await call("DELETE", "/v1/models/dev/public-one")).json).toMatchObject({ status: 400 });

    const refused = await call("DELETE", "/v1/models/dev/first");
    expect(refused.status).toBe(409);
    expect(String(refused.json?.detail)).toContain("The model has 1 version");
    const versions = await p.replicate.models.versions.list("dev", "first");
    for (const v of versions.results) {
      expect((await call("DELETE", `/v1/models/dev/first/versions/${v.id}`)).status).toBe(202);
    }
    expect((await p.replicate.models.get("dev", "first")).latest_version).toBeNull();
    const deleted = await call("DELETE", "/v1/models/dev/first");
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe("");
    expect((await call("GET", "/v1/models/dev/first")).json).toMatchObject(NOT_FOUND);
    // The name is free again.
    expect((await newModel("first")).status).toBe(201);
  });
});
