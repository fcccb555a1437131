import type { KV } from "@nats-io/kv";
import { listKeys } from "./kv-keys.ts";

/**
 * The `files` bucket holds each file's record under its id and, beside it, an index entry
 * `idx.<account>.<id>` per file, so that an account's files are listed from its own keys alone
 * (never by reading every account's records). File ids and account ids have no dots, so the
 * two kinds of key never meet. Records written before the index existed get their entry from
 * the scheduler's file janitor (its sweep reads every record anyway).
 */
export const fileIndexKey = (accountId: string, fileId: string) => `idx.${accountId}.${fileId}`;

/** Adds a file to its account's index (idempotent). */
export async function indexFile(files: KV, accountId: string, fileId: string): Promise<void> {
  await files.put(fileIndexKey(accountId, fileId), new TextEncoder().encode(fileId));
}

/** Removes a file from its account's index. */
export async function unindexFile(files: KV, accountId: string, fileId: string): Promise<void> {
  await files.purge(fileIndexKey(accountId, fileId));
}

/**
 * The ids in an account's index (read from the index keys' subjects: one request). An id may
 * name a file since removed: read its record before using it.
 */
export async function indexedFileIds(files: KV, accountId: string): Promise<string[]> {
  const prefix = fileIndexKey(accountId, "");
  return (await listKeys(files, `${prefix}*`)).map((k) => k.slice(prefix.length));
}
