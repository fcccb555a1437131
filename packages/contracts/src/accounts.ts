import { z } from "zod";
import { AccountId } from "./ids.ts";
import { Timestamp } from "./time.ts";

export const AccountType = z.enum(["user", "organization"]);

/**
 * What an operator may grant an account beyond the public API: `runtimes` lets its tokens create
 * versions from a command, an image or a server URL (the platform starts or calls what they name).
 */
export const Privilege = z.enum(["runtimes"]);
export type Privilege = z.infer<typeof Privilege>;

export const AccountRecord = z.object({
  id: AccountId,
  type: AccountType,
  username: z.string(),
  name: z.string(),
  created_at: Timestamp,
  /** Granted in the admin console; none when absent. */
  privileges: z.array(Privilege).optional(),
});
export type AccountRecord = z.infer<typeof AccountRecord>;

/** Stored under the SHA-256 of the token: the token itself is never stored. */
export const TokenRecord = z.object({
  account_id: AccountId,
  name: z.string(),
  created_at: Timestamp,
});
export type TokenRecord = z.infer<typeof TokenRecord>;
