import { AccountRecord, AccountType, Privilege, TokenRecord } from "@gantry/contracts/accounts";
import { AppError, NOT_FOUND_DETAIL } from "@gantry/contracts/errors";
import { AccountId } from "@gantry/contracts/ids";
import { decode, encode } from "@gantry/platform/codec";
import { sha256Hex } from "@gantry/platform/ids";
import { listKeys } from "@gantry/platform/kv-keys";
import { z } from "zod";
import type { Context } from "../context.ts";
import { adminProcedure, router } from "../trpc.ts";

/** A stored token as operators see it: never the token, only its hash (which is its id). */
export interface TokenView extends TokenRecord {
  id: string;
}

async function listAccounts(ctx: Context): Promise<AccountRecord[]> {
  const out: AccountRecord[] = [];
  // The bucket also holds per-account settings under dotted keys (`webhook-secret.<id>`, …).
  for (const key of await listKeys(ctx.buckets.accounts)) {
    if (!AccountId.safeParse(key).success) continue;
    const e = await ctx.buckets.accounts.get(key);
    if (e?.operation !== "PUT") continue;
    try {
      out.push(decode(AccountRecord, e.value, "account"));
    } catch (err) {
      ctx.log.warn("unreadable account", { key, err: String(err) });
    }
  }
  return out.sort((a, b) => a.username.localeCompare(b.username));
}

async function listTokens(ctx: Context, account?: string): Promise<TokenView[]> {
  const out: TokenView[] = [];
  for (const key of await listKeys(ctx.buckets.tokens)) {
    const e = await ctx.buckets.tokens.get(key);
    if (e?.operation !== "PUT") continue;
    try {
      const record = decode(TokenRecord, e.value, "token");
      if (!account || record.account_id === account) out.push({ id: key, ...record });
    } catch (err) {
      ctx.log.warn("unreadable token", { key, err: String(err) });
    }
  }
  return out.sort((a, b) => b.created_at.localeCompare(a.created_at));
}

export const CreateAccount = z.object({
  /** Also the account id: lowercase letters and digits. */
  username: AccountId,
  name: z.string().min(1).max(200),
  type: AccountType.default("user"),
});

/** An account's operator privileges, replaced whole (`[]` takes them all away). */
export const SetPrivileges = z.object({ account_id: AccountId, privileges: z.array(Privilege).max(8) });

export const CreateToken = z.object({ account_id: AccountId, name: z.string().min(1).max(100) });

export const accountsRouter = router({
  list: adminProcedure.query(async ({ ctx }) => {
    const [accounts, tokens] = await Promise.all([listAccounts(ctx), listTokens(ctx)]);
    return accounts.map((a) => ({ ...a, tokens: tokens.filter((t) => t.account_id === a.id).length }));
  }),

  create: adminProcedure.input(CreateAccount).mutation(async ({ ctx, input }) => {
    const account: AccountRecord = {
      id: input.username,
      type: input.type,
      username: input.username,
      name: input.name,
      created_at: ctx.now().toISOString(),
    };
    try {
      await ctx.buckets.accounts.create(account.id, encode(account));
    } catch (err) {
      if (/wrong last sequence|10071/.test(String(err))) {
        throw new AppError("CONFLICT", `The account ${account.id} already exists.`);
      }
      throw err;
    }
    return account;
  }),

  /**
   * Grants or takes away operator privileges: `runtimes` lets the account's API tokens create
   * versions from a command, an image or a server URL (the platform starts or calls them).
   */
  setPrivileges: adminProcedure.input(SetPrivileges).mutation(async ({ ctx, input }) => {
    const privileges = [...new Set(input.privileges)];
    for (let attempt = 0; attempt < 20; attempt++) {
      const e = await ctx.buckets.accounts.get(input.account_id);
      if (e?.operation !== "PUT") throw new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
      const { privileges: _old, ...rest } = decode(AccountRecord, e.value, "account");
      const next: AccountRecord = { ...rest, ...(privileges.length > 0 ? { privileges } : {}) };
      try {
        await ctx.buckets.accounts.update(input.account_id, encode(next), e.revision);
        return next;
      } catch (err) {
        if (!/wrong last sequence|10071/.test(String(err))) throw err;
      }
    }
    throw new AppError("CONFLICT", `account ${input.account_id}: too many concurrent writers; try again`);
  }),
});

export const tokensRouter = router({
  list: adminProcedure
    .input(z.object({ account: AccountId.optional() }).default({}))
    .query(({ ctx, input }) => listTokens(ctx, input.account)),

  /** A new API token for the account. The token is in this answer only: it is stored hashed. */
  create: adminProcedure.input(CreateToken).mutation(async ({ ctx, input }) => {
    if (!(await ctx.registry.getAccount(input.account_id))) throw new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
    const token = ctx.newToken();
    const record: TokenRecord = { account_id: input.account_id, name: input.name, created_at: ctx.now().toISOString() };
    await ctx.registry.putToken(token, record);
    return { token, id: sha256Hex(token), ...record };
  }),

  /** Revokes a token by its id (the hash): requests with it fail from now on. */
  revoke: adminProcedure
    .input(z.object({ id: z.string().regex(/^[0-9a-f]{64}$/) }))
    .mutation(async ({ ctx, input }) => {
      const e = await ctx.buckets.tokens.get(input.id);
      if (e?.operation !== "PUT") throw new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
      await ctx.buckets.tokens.delete(input.id, { previousSeq: e.revision });
      return { id: input.id, revoked: true };
    }),
});
