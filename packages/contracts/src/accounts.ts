import { z } from "zod";
import { AccountId } from "./ids.ts";
import { Timestamp } from "./time.ts";

export const AccountType = z.enum(["user", "organization"]);

export const AccountRecord = z.object({
  id: AccountId,
  type: AccountType,
  username: z.string(),
  name: z.string(),
  created_at: Timestamp,
});
export type AccountRecord = z.infer<typeof AccountRecord>;

/** Stored under the SHA-256 of the token: the token itself is never stored. */
export const TokenRecord = z.object({
  account_id: AccountId,
  name: z.string(),
  created_at: Timestamp,
});
export type TokenRecord = z.infer<typeof TokenRecord>;
