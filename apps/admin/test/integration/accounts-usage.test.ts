import type { Ledger, LineItem } from "@gantry/contracts/billing";
import { encode } from "@gantry/platform/codec";
import { randomId } from "@gantry/platform/ids";
import type { Logger } from "@gantry/platform/logger";
import type { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { periodOf } from "../../src/server/core/usage.ts";
import { type AdminEnv, startAdminEnv } from "../helpers.ts";

let env: AdminEnv;
const errors: string[] = [];
const log: Logger = {
  info: () => {},
  warn: () => {},
  error: (msg, fields) => errors.push(`${msg} ${JSON.stringify(fields)}`),
  child: () => log,
};
beforeAll(async () => {
  env = await startAdminEnv({ log });
});
afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

const codeOf = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as TRPCError).code;

describe("admin auth", () => {
  it("refuses a missing or wrong admin token", async () => {
    expect(await codeOf(env.caller({ bearer: null }).whoami())).toBe("UNAUTHORIZED");
    expect(await codeOf(env.caller({ bearer: "nope" }).agents.list())).toBe("UNAUTHORIZED");
    expect(await env.caller().whoami()).toEqual({ role: "admin" });
  });

  it("does not let a user's API token in", async () => {
    await env.caller().accounts.create({ username: "mallory", name: "M" });
    const { token } = await env.caller().tokens.create({ account_id: "mallory", name: "t" });
    expect(await codeOf(env.caller({ bearer: token }).accounts.list())).toBe("UNAUTHORIZED");
  });
});

describe("accounts and tokens", () => {
  it("creates an account once, and tokens that are stored hashed, listed and revoked", async () => {
    const admin = env.caller();
    const account = await admin.accounts.create({ username: "erin", name: "Erin" });
    expect(account).toMatchObject({ id: "erin", type: "user" });
    expect(await codeOf(admin.accounts.create({ username: "erin", name: "again" }))).toBe("CONFLICT");

    const created = await admin.tokens.create({ account_id: "erin", name: "ci" });
    expect(created.token).toMatch(/^r8_/);
    expect(await env.deps.registry.findToken(created.token)).toMatchObject({ account_id: "erin", name: "ci" });
    expect(await env.deps.buckets.tokens.get(created.token)).toBeNull();

    const listed = await admin.tokens.list({ account: "erin" });
    expect(listed).toEqual([{ id: created.id, account_id: "erin", name: "ci", created_at: created.created_at }]);
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect((await admin.accounts.list()).find((a) => a.id === "erin")?.tokens).toBe(1);

    await admin.tokens.revoke({ id: created.id });
    expect(await env.deps.registry.findToken(created.token)).toBeNull();
    expect(await codeOf(admin.tokens.revoke({ id: created.id }))).toBe("NOT_FOUND");
    expect(await codeOf(admin.tokens.create({ account_id: "nobody", name: "x" }))).toBe("NOT_FOUND");
  });

  it("lists accounts, not the other records of the accounts bucket", async () => {
    await env.deps.buckets.accounts.put("webhook-secret.erin", "whsec_x");
    const ids = (await env.caller().accounts.list()).map((a) => a.id);
    expect(ids).toContain("erin");
    expect(ids.every((id) => !id.includes("."))).toBe(true);
  });

  it("grants and takes away the runtimes privilege (an operator's act, refused to API tokens)", async () => {
    const admin = env.caller();
    await admin.accounts.create({ username: "olga", name: "Olga" });
    expect((await env.deps.registry.getAccount("olga"))?.privileges).toBeUndefined();
    expect(
      await admin.accounts.setPrivileges({ account_id: "olga", privileges: ["runtimes", "runtimes"] }),
    ).toMatchObject({
      id: "olga",
      privileges: ["runtimes"],
    });
    expect((await env.deps.registry.getAccount("olga"))?.privileges).toEqual(["runtimes"]);
    const { token } = await admin.tokens.create({ account_id: "olga", name: "t" });
    expect(
      await codeOf(env.caller({ bearer: token }).accounts.setPrivileges({ account_id: "olga", privileges: [] })),
    ).toBe("UNAUTHORIZED");
    await admin.accounts.setPrivileges({ account_id: "olga", privileges: [] });
    expect((await env.deps.registry.getAccount("olga"))?.privileges).toBeUndefined();
    expect(await codeOf(admin.accounts.setPrivileges({ account_id: "nobody", privileges: ["runtimes"] }))).toBe(
      "NOT_FOUND",
    );
  });
});

describe("usage", () => {
  const period = periodOf(new Date());
  const ledger = (account: string, cpuNano: number, gpuNano: number): Ledger => ({
    account_id: account,
    period,
    last_seq: 5,
    total_nano: cpuNano + gpuNano,
    predictions: 2,
    by_hardware: { cpu: { ms: 1000, nano: cpuNano }, "gpu-t4": { ms: 2000, nano: gpuNano } },
    by_model: { "gantry/test": { ms: 3000, nano: cpuNano + gpuNano } },
    by_deployment: {},
    by_unit: {},
  });

  it("sums the period's ledgers by hardware, model and account", async () => {
    await env.deps.buckets.ledger.put(`alice.${period}`, encode(ledger("alice", 100_000, 450_000)));
    await env.deps.buckets.ledger.put(`bob.${period}`, encode(ledger("bob", 1_000_000_000, 0)));
    await env.deps.buckets.ledger.put(`bob.2020-01`, encode({ ...ledger("bob", 5, 5), period: "2020-01" }));
    await env.deps.buckets.ledger.put("_position", encode({ seq: 5, at: new Date().toISOString() }));
    const s = await env.caller().usage.summary({});
    expect(s).toMatchObject({ period, total_nano: 1_000_550_000, total_usd: "1.00055", predictions: 4 });
    expect(s.by_account.map((r) => [r.key, r.usd])).toEqual([
      ["bob", "1.00"],
      ["alice", "0.00055"],
    ]);
    expect(s.by_hardware.map((r) => r.key)).toEqual(["cpu", "gpu-t4"]);
    expect(await env.caller().usage.periods()).toEqual([period, "2020-01"]);
  });

  it("charts spend over time from billed line items, as billing writes them", async () => {
    const item = (account: string, hardware: string, nano: number, agoMs: number): LineItem => ({
      prediction_id: randomId(),
      account_id: account,
      model: "gantry/test",
      hardware,
      period,
      ms: 1000,
      price_per_second: nano,
      nano,
      at: new Date(Date.now() - agoMs).toISOString(),
      billing: "predict",
      deployment: null,
    });
    for (const li of [
      item("alice", "cpu", 100, 60_000),
      item("alice", "gpu-t4", 900, 60_000),
      item("bob", "cpu", 5, 0),
    ]) {
      await env.deps.buckets.lineItems.put(li.prediction_id, encode(li));
    }
    await vi.waitFor(async () => {
      const t = await env.caller().usage.timeline({ hours: 1, buckets: 4 });
      expect(t.series.map((s) => [s.key, s.total_nano])).toEqual([
        ["gpu-t4", 900],
        ["cpu", 105],
      ]);
    });
    const byAccount = await env.caller().usage.timeline({ group: "account", hours: 1, buckets: 4, account: "alice" });
    expect(byAccount.series).toEqual([{ key: "alice", values: [0, 0, 0, 1000], total_nano: 1000 }]);
  });

  it("gives a user their own usage, by API token", async () => {
    await env.caller().accounts.create({ username: "alice", name: "Alice" });
    const { token } = await env.caller().tokens.create({ account_id: "alice", name: "dash" });
    const me = env.caller({ bearer: null, apiToken: token }).me;
    expect((await me.account()).id).toBe("alice");
    expect(await me.usage({})).toMatchObject({ total_usd: "0.00055", by_account: [{ key: "alice" }] });
    expect((await me.timeline({ hours: 1, buckets: 2 })).series.map((s) => s.key)).toEqual(["gpu-t4", "cpu"]);
    expect(await codeOf(env.caller({ bearer: null, apiToken: "r8_wrong" }).me.usage({}))).toBe("UNAUTHORIZED");
  });
});

describe("errors", () => {
  it("turns a bug (an unreadable record) into a bare internal error, logged once", async () => {
    const id = randomId();
    await env.deps.buckets.predictions.put(id, "not json");
    const err = (await env
      .caller()
      .predictions.get({ id })
      .catch((e: unknown) => e)) as TRPCError;
    expect(err.code).toBe("INTERNAL_SERVER_ERROR");
    expect(err.message).toBe("Internal server error");
    expect(errors.filter((e) => e.includes("predictions.get"))).toHaveLength(1);
  });
});
