import { describe, expect, it } from "vitest";
import {
  generateNatsSeeds,
  natsAuth,
  parseNatsSeeds,
  publicKeyOf,
  renderNatsAccountsForSeeds,
} from "./nats-credentials.ts";
import { allStreams, inboxPrefix, NATS_IDENTITIES, natsPermissions, SERVICE_IDENTITIES } from "./nats-permissions.ts";

const perms = (id: (typeof NATS_IDENTITIES)[number]) => {
  const p = natsPermissions(id);
  if (!p) throw new Error(`${id} has no permissions block`);
  return p;
};

describe("NATS permissions", () => {
  it("only the operator has every right; no one else may publish or subscribe to everything", () => {
    expect(natsPermissions("operator")).toBeNull();
    for (const id of NATS_IDENTITIES.filter((i) => i !== "operator")) {
      const p = perms(id);
      for (const s of [...p.publish, ...p.subscribe]) expect(s, id).not.toMatch(/^(>|\$JS\.API\.>|\$KV\.>|_INBOX\.>)$/);
      expect(
        p.subscribe.filter((s) => s.startsWith("_INBOX")),
        id,
      ).toEqual([`${inboxPrefix(id)}.>`]);
    }
  });

  it("only the provisioner changes topology", () => {
    for (const id of SERVICE_IDENTITIES) {
      const topology = perms(id).publish.filter((s) => /\$JS\.API\.STREAM\.(CREATE|UPDATE|DELETE)/.test(s));
      expect(topology, id).toEqual([]);
    }
    expect(perms("provisioner").publish).toContain("$JS.API.STREAM.CREATE.*");
  });

  it("keeps tokens, accounts and the ledger to their owners", () => {
    const writes = (id: (typeof SERVICE_IDENTITIES)[number], bucket: string) =>
      perms(id).publish.filter((s) => s.startsWith(`$KV.${bucket}.`));
    expect(writes("agent", "tokens")).toEqual([]);
    expect(writes("agent", "accounts")).toEqual([]);
    expect(writes("gateway", "tokens")).toEqual([]);
    expect(writes("gateway", "ledger")).toEqual([]);
    expect(writes("admin", "ledger")).toEqual([]);
    expect(writes("billing", "predictions")).toEqual([]);
    expect(writes("billing", "ledger")).toEqual(["$KV.ledger.>"]);
    // The agent reads exactly one key of `accounts`: the URL-signing secret.
    expect(perms("agent").publish.filter((s) => s.includes("KV_accounts"))).toEqual([
      "$JS.API.DIRECT.GET.KV_accounts.$KV.accounts.signing-secret",
    ]);
  });

  it("lets only the request handlers answer requests: the agent any requester, billing those who ask it", () => {
    const responders = NATS_IDENTITIES.filter((id) => natsPermissions(id)?.allowResponses);
    expect(responders).toEqual(["agent"]);
    // Billing answers into named inboxes: no reply tracking for the usage stream's messages.
    expect(natsPermissions("billing")?.publish).toEqual(
      expect.arrayContaining(["_INBOX_gateway.>", "_INBOX_admin.>", "_INBOX_operator.>"]),
    );
    expect(natsPermissions("billing")?.publish).not.toContain("_INBOX_agent.>");
  });

  it("names only streams the topology has", () => {
    for (const id of SERVICE_IDENTITIES) {
      expect(perms(id).streams.length, id).toBeGreaterThan(0);
      for (const s of perms(id).streams) expect(allStreams(), id).toContain(s);
    }
  });
});

describe("NATS credentials", () => {
  it("renders one nkey user per identity, public keys only, and no anonymous user", () => {
    const seeds = generateNatsSeeds();
    const conf = renderNatsAccountsForSeeds(seeds);
    for (const id of NATS_IDENTITIES) {
      expect(conf).toContain(`nkey: ${publicKeyOf(seeds[id])}`);
      expect(conf).not.toContain(seeds[id]);
    }
    expect(conf).not.toContain("no_auth_user");
    expect(parseNatsSeeds(JSON.parse(JSON.stringify(seeds)))).toEqual(seeds);
  });

  it("refuses stored seeds that are missing or not user seeds", () => {
    const seeds = generateNatsSeeds();
    expect(() => parseNatsSeeds({ ...seeds, agent: undefined })).toThrow(/agent/);
    expect(() => parseNatsSeeds({ ...seeds, agent: "SUnotaseed" })).toThrow();
  });

  it("connects as the identity with its own inbox prefix; no seed means no authenticator", () => {
    expect(natsAuth("gateway", undefined)).toEqual({ inboxPrefix: "_INBOX_gateway" });
    expect(natsAuth("gateway", generateNatsSeeds().gateway).authenticator).toBeTypeOf("function");
  });
});
