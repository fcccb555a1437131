import { Registry } from "@gantry/platform/registry";
import { ensureTopology } from "@gantry/platform/topology";
import type { Prediction } from "replicate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(async () => {
  await p?.close();
});

const create = async (input: Record<string, unknown>, headers: Record<string, string> = {}, model = "gantry/test") => {
  const res = await p.api(`/v1/models/${model}/predictions`, {
    method: "POST",
    headers,
    body: JSON.stringify({ input }),
  });
  return { res, body: (await res.json()) as Prediction & { deadline?: string } };
};

async function settle(id: string, until: (s: string) => boolean, ms = 20_000): Promise<Prediction> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await p.replicate.predictions.get(id);
    if (until(got.status) || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("listing predictions", () => {
  it("lists newest first, 100 a page, with absolute cursors that paginate() follows", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 105; i++) ids.push((await create({ tokens: 0 })).body.id);
    const first = await p.replicate.predictions.list();
    expect(first.results).toHaveLength(100);
    expect(first.next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/predictions\?cursor=/);
    expect(first.previous).toBeNull();
    const created = first.results.map((r) => r.created_at);
    expect([...created].sort().reverse()).toEqual(created);
    const seen: string[] = [];
    for await (const page of p.replicate.paginate(p.replicate.predictions.list)) seen.push(...page.map((x) => x.id));
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
    // previous from the second page leads back to the first.
    const second = (await (await p.api(new URL(first.next!).pathname + new URL(first.next!).search)).json()) as {
      previous: string;
    };
    const back = (await (await p.api(new URL(second.previous).pathname + new URL(second.previous).search)).json()) as {
      results: { id: string }[];
    };
    expect(back.results.map((r) => r.id)).toEqual(first.results.map((r) => r.id));
  });

  it("filters by created_after (inclusive) and created_before (exclusive)", async () => {
    const a = (await create({ tokens: 0 })).body;
    await new Promise((r) => setTimeout(r, 20));
    const b = (await create({ tokens: 0 })).body;
    const res = await p.api(`/v1/predictions?created_after=${a.created_at}&created_before=${b.created_at}`);
    const page = (await res.json()) as { results: { id: string }[] };
    expect(page.results.map((r) => r.id)).toEqual([a.id]);
  });

  it("refuses bad cursors and bad dates with 400", async () => {
    expect((await p.api("/v1/predictions?cursor=bm9wZQ")).status).toBe(400);
    expect((await p.api("/v1/predictions?created_after=yesterday")).status).toBe(400);
  });

  it("shows only the caller's predictions; another account's answers 404", async () => {
    const mine = (await create({ tokens: 0 })).body;
    const registry = new Registry(await ensureTopology(p.nc));
    const at = new Date().toISOString();
    await registry.putAccount({ id: "other", type: "user", username: "other", name: "Other", created_at: at });
    await registry.putToken("r8_other_token", { account_id: "other", name: "t", created_at: at });
    const other = (path: string) =>
      fetch(`${p.stack.baseUrl}${path}`, { headers: { authorization: "Bearer r8_other_token" } });
    expect((await other(`/v1/predictions/${mine.id}`)).status).toBe(404);
    expect((await (await other("/v1/predictions")).json()) as { results: unknown[] }).toMatchObject({ results: [] });
    const cancel = await fetch(`${p.stack.baseUrl}/v1/predictions/${mine.id}/cancel`, {
      method: "POST",
      headers: { authorization: "Bearer r8_other_token" },
    });
    expect(cancel.status).toBe(404);
  });
});

describe("Cancel-After deadlines", () => {
  it("a deadline reached while running cancels the prediction", async () => {
    const { res, body } = await create({ sleep_ms: 30_000 }, { "cancel-after": "5s" });
    expect(res.status).toBe(201);
    expect(Date.parse(body.deadline ?? "") - Date.parse(body.created_at)).toBe(5000);
    const done = await settle(body.id, (s) => s === "canceled");
    expect(done.status).toBe("canceled");
    expect(done.started_at).not.toBeNull();
  });

  it("a deadline reached before it started aborts it", async () => {
    // A model on hardware no agent has: it waits in the queue until the deadline.
    const registry = new Registry(await ensureTopology(p.nc));
    const test = (await registry.getModel("gantry", "test"))!;
    const version = (await registry.getVersion(test.latest_version_id!))!;
    await registry.putVersion({ ...version, id: "e".repeat(64), model: "gantry/on-a-t4" });
    await registry.putModel({ ...test, name: "on-a-t4", hardware: "gpu-t4", latest_version_id: "e".repeat(64) });
    const { body } = await create({ tokens: 1 }, { "cancel-after": "5s" }, "gantry/on-a-t4");
    const done = await settle(body.id, (s) => s === "aborted");
    expect(done.status).toBe("aborted");
    expect(done.started_at).toBeNull();
  });

  it("refuses bad durations with 400 and stores nothing", async () => {
    const before = await p.counts();
    for (const bad of ["4s", "soon", "10 minutes"]) {
      const { res } = await create({ tokens: 0 }, { "cancel-after": bad });
      expect(res.status).toBe(400);
    }
    expect(await p.counts()).toEqual(before);
  });
});
