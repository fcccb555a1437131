import { BUCKETS, STREAMS, subjects } from "@gantry/contracts/subjects";
import { type NatsServer, startNatsServer } from "@gantry/testing/nats-server";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import {
  connect,
  errors,
  type NatsConnection,
  nkeyAuthenticator,
  nkeys,
  PermissionViolationError,
} from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsIdentity, ServiceIdentity } from "../../src/nats-permissions.ts";
import { SIGNING_SECRET_KEY, webhookSecretKey } from "../../src/secret-keys.ts";
import { DEFAULT_TOPOLOGY, ensureTopology, openTopology } from "../../src/topology.ts";

/** The subject a call was refused on (its cause, or itself, is a PermissionViolationError). */
async function refused(call: Promise<unknown>): Promise<string> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  const cause = err instanceof PermissionViolationError ? err : (err as { cause?: unknown } | null)?.cause;
  if (!(cause instanceof PermissionViolationError)) throw new Error(`expected a permission violation, got ${err}`);
  return cause.subject;
}

/** A subscription the server refuses: its iterator ends with the violation. */
async function refusedSubscription(nc: NatsConnection, subject: string): Promise<string> {
  const sub = nc.subscribe(subject);
  const closed = (await sub.closed) as unknown;
  if (!(closed instanceof PermissionViolationError)) throw new Error(`subscription to ${subject} was not refused`);
  return closed.subject;
}

const bytes = (s: string) => new TextEncoder().encode(s);
const SERVICES: ServiceIdentity[] = ["gateway", "scheduler", "agent", "billing", "admin"];

describe("NATS: anonymous and unknown clients", () => {
  let nats: NatsServer;
  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(() => nats[Symbol.asyncDispose]());

  it("refuses a client without credentials", async () => {
    const err = await connect({ servers: nats.url, reconnect: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(errors.AuthorizationError);
  });

  it("refuses a seed the server does not know, and credentials in the URL", async () => {
    const stranger = nkeys.createUser().getSeed();
    const err = await connect({
      servers: nats.url,
      reconnect: false,
      authenticator: nkeyAuthenticator(stranger),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(errors.AuthorizationError);
    const inUrl = await connect({ servers: nats.url.replace("nats://", "nats://operator:x@"), reconnect: false }).catch(
      (e: unknown) => e,
    );
    expect(inUrl).toBeInstanceOf(errors.AuthorizationError);
  });

  it("accepts each identity with its own seed only", async () => {
    for (const id of SERVICES) {
      const nc = await connect(nats.connectOptions(id));
      expect(nc.isClosed()).toBe(false);
      await nc.close();
    }
    // The gateway's seed with the agent's inbox prefix: connected, but it cannot read replies.
    const { authenticator } = nats.connectOptions("gateway");
    const nc = await connect({ servers: nats.url, authenticator, inboxPrefix: "_INBOX_agent" });
    expect(await refused(nc.request(subjects.billingUsage(), bytes("{}"), { timeout: 1000 }))).toMatch(
      /^_INBOX_agent\./,
    );
    await nc.close();
  });
});

describe("NATS: each service may do its job and nothing else", () => {
  let nats: NatsServer;
  const conns = new Map<NatsIdentity, NatsConnection>();
  const nc = (id: NatsIdentity) => {
    const c = conns.get(id);
    if (!c) throw new Error(`no connection for ${id}`);
    return c;
  };
  const kv = (id: NatsIdentity, bucket: string) => new Kvm(nc(id)).open(bucket, { allow_direct: true });

  beforeAll(async () => {
    nats = await startNatsServer();
    for (const id of [...SERVICES, "provisioner", "operator"] as const)
      conns.set(id, await connect(nats.connectOptions(id)));
    await ensureTopology(nc("provisioner"), DEFAULT_TOPOLOGY);
    const accounts = await kv("operator", BUCKETS.accounts);
    await accounts.put("acct", bytes('{"id":"acct"}'));
    await (await kv("operator", BUCKETS.tokens)).put("hash", bytes('{"account_id":"acct"}'));
  });
  afterAll(async () => {
    for (const c of conns.values()) await c.close();
    await nats[Symbol.asyncDispose]();
  });

  it("the provisioner made the topology and the signing secret, and may touch no other data", async () => {
    const buckets = await openTopology(nc("operator"), { identity: "operator" });
    expect((await buckets.accounts.get(SIGNING_SECRET_KEY))?.string()).toMatch(/^[\w-]{43}$/);
    const predictions = await kv("provisioner", BUCKETS.predictions);
    expect(await refused(predictions.put("p1", bytes("{}")))).toBe("$KV.predictions.p1");
    const tokens = await kv("provisioner", BUCKETS.tokens);
    expect(await refused(tokens.get("hash"))).toBe("$JS.API.DIRECT.GET.KV_tokens.$KV.tokens.hash");
  });

  it("no service creates, changes or deletes a stream, a bucket or the object store", async () => {
    for (const id of SERVICES) {
      const jsm = await jetstreamManager(nc(id), { checkAPI: false });
      expect(await refused(jsm.streams.add({ name: `ROGUE_${id}`, subjects: [`rogue.${id}`] }))).toBe(
        `$JS.API.STREAM.CREATE.ROGUE_${id}`,
      );
      expect(await refused(jsm.streams.delete(STREAMS.usage.name))).toBe(`$JS.API.STREAM.DELETE.${STREAMS.usage.name}`);
      expect(await refused(jsm.streams.purge(STREAMS.work.name))).toBe(`$JS.API.STREAM.PURGE.${STREAMS.work.name}`);
      expect(await refused(new Kvm(nc(id)).create("rogue"))).toMatch(/^\$JS\.API\.STREAM\.(INFO|CREATE)\.KV_rogue$/);
    }
  });

  it("no service reads another's inbox or everything", async () => {
    for (const id of SERVICES) {
      const other = id === "gateway" ? "agent" : "gateway";
      expect(await refusedSubscription(nc(id), `_INBOX_${other}.>`)).toBe(`_INBOX_${other}.>`);
      expect(await refusedSubscription(nc(id), ">")).toBe(">");
      expect(await refusedSubscription(nc(id), "_INBOX.>")).toBe("_INBOX.>");
    }
  });

  it("an agent writes predictions and heartbeats, reads the signing secret, and cannot touch tokens, accounts or the ledger", async () => {
    await (await kv("agent", BUCKETS.predictions)).put("p-agent", bytes("{}"));
    await (await kv("agent", BUCKETS.agents)).put("agent-1", bytes("{}"));
    expect((await (await kv("agent", BUCKETS.accounts)).get(SIGNING_SECRET_KEY))?.string()).toBeTruthy();
    expect(await refused((await kv("agent", BUCKETS.tokens)).put("hash", bytes("{}")))).toBe("$KV.tokens.hash");
    expect(await refused((await kv("agent", BUCKETS.tokens)).get("hash"))).toBe(
      "$JS.API.DIRECT.GET.KV_tokens.$KV.tokens.hash",
    );
    expect(await refused((await kv("agent", BUCKETS.accounts)).get("acct"))).toBe(
      "$JS.API.DIRECT.GET.KV_accounts.$KV.accounts.acct",
    );
    expect(await refused((await kv("agent", BUCKETS.accounts)).keys())).toMatch(
      /^\$JS\.API\.CONSUMER\.CREATE\.KV_accounts\./,
    );
    expect(await refused((await kv("agent", BUCKETS.accounts)).put(SIGNING_SECRET_KEY, bytes("mine")))).toBe(
      "$KV.accounts.signing-secret",
    );
    expect(await refused((await kv("agent", BUCKETS.ledger)).put("acct.2026-01", bytes("{}")))).toBe(
      "$KV.ledger.acct.2026-01",
    );
    // Billing's request subjects are not an agent's to answer.
    expect(await refusedSubscription(nc("agent"), subjects.billingUsage())).toBe(subjects.billingUsage());
    expect(nc("agent").isClosed()).toBe(false);
  });

  it("the gateway reads tokens and writes predictions, and cannot write tokens or the ledger", async () => {
    expect((await (await kv("gateway", BUCKETS.tokens)).get("hash"))?.string()).toContain("acct");
    await (await kv("gateway", BUCKETS.predictions)).put("p-gw", bytes("{}"));
    expect(await refused((await kv("gateway", BUCKETS.tokens)).put("hash2", bytes("{}")))).toBe("$KV.tokens.hash2");
    expect(await refused((await kv("gateway", BUCKETS.ledger)).put("acct.2026-01", bytes("{}")))).toBe(
      "$KV.ledger.acct.2026-01",
    );
    expect(await refused((await kv("gateway", BUCKETS.accounts)).put("acct", bytes("{}")))).toBe("$KV.accounts.acct");
    expect(await refused((await kv("gateway", BUCKETS.agents)).put("agent-1", bytes("{}")))).toBe("$KV.agents.agent-1");
    // A usage event is an agent's word: the gateway cannot forge one.
    const js = (await import("@nats-io/jetstream")).jetstream(nc("gateway"));
    expect(await refused(js.publish(subjects.usage("predict", "agent-1"), bytes("{}")))).toBe(
      "usage.v1.predict.agent-1",
    );
    expect(nc("gateway").isClosed()).toBe(false);
  });

  it("billing keeps the ledger and cannot read or write predictions or tokens", async () => {
    await (await kv("billing", BUCKETS.ledger)).put("acct.2026-01", bytes("{}"));
    expect(await refused((await kv("billing", BUCKETS.predictions)).put("p-b", bytes("{}")))).toBe(
      "$KV.predictions.p-b",
    );
    expect(await refused((await kv("billing", BUCKETS.predictions)).get("p-gw"))).toBe(
      "$JS.API.DIRECT.GET.KV_predictions.$KV.predictions.p-gw",
    );
    expect(await refused((await kv("billing", BUCKETS.tokens)).get("hash"))).toBe(
      "$JS.API.DIRECT.GET.KV_tokens.$KV.tokens.hash",
    );
  });

  it("the scheduler keeps webhook secrets but no other account data; admin reads the ledger but cannot write it", async () => {
    const accounts = await kv("scheduler", BUCKETS.accounts);
    await accounts.put(webhookSecretKey("acct"), bytes("whsec_x"));
    expect((await accounts.get(webhookSecretKey("acct")))?.string()).toBe("whsec_x");
    expect(await refused(accounts.get("acct"))).toBe("$JS.API.DIRECT.GET.KV_accounts.$KV.accounts.acct");
    expect(await refused(accounts.put("acct", bytes("{}")))).toBe("$KV.accounts.acct");
    expect(await refused((await kv("scheduler", BUCKETS.tokens)).put("hash", bytes("{}")))).toBe("$KV.tokens.hash");

    expect((await (await kv("admin", BUCKETS.ledger)).get("acct.2026-01"))?.string()).toBe("{}");
    expect(await refused((await kv("admin", BUCKETS.ledger)).put("acct.2026-01", bytes("{}")))).toBe(
      "$KV.ledger.acct.2026-01",
    );
  });

  it("the server logs every refusal, naming the identity", () => {
    const log = nats.violations();
    expect(log.some((l) => /Publish Violation - Nkey "agent", Subject "\$KV\.tokens\.hash"/.test(l))).toBe(true);
    expect(log.some((l) => /Subscription Violation - Nkey "billing", Subject "_INBOX_gateway\.>"/.test(l))).toBe(true);
  });

  it("a service waits for the topology until it is provisioned", async () => {
    await using fresh = await startNatsServer();
    const billing = await connect(fresh.connectOptions("billing"));
    const warnings: string[] = [];
    const log = {
      info: () => {},
      warn: (msg: string) => warnings.push(msg),
      error: () => {},
      child: () => log,
    };
    const opened = openTopology(billing, { identity: "billing", log, retryMs: 50 });
    await expect
      .poll(() => warnings, { timeout: 10_000 })
      .toEqual(["waiting for the NATS topology: provision it (npm run provision)"]);
    const provisioner = await connect(fresh.connectOptions("provisioner"));
    await ensureTopology(provisioner, DEFAULT_TOPOLOGY);
    const buckets = await opened;
    await buckets.ledger.put("acct.2026-02", bytes("{}"));
    expect((await buckets.ledger.get("acct.2026-02"))?.string()).toBe("{}");
    await provisioner.close();
    await billing.close();
  });
});
