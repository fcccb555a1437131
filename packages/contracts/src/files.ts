import { z } from "zod";
import { AccountId } from "./ids.ts";
import { Timestamp } from "./time.ts";

/** Uploads must be smaller than this (reference §7.1: 413 at 100 MB). */
export const MAX_FILE_BYTES = 100 * 1024 * 1024;

export const FILE_TOO_LARGE_DETAIL = "Files must be less than 100MB in size";
export const FILE_NOT_FOUND_DETAIL = "File not found";

/** Files expire this long after they are created (reference §7.1). */
export const FILE_TTL_MS = 24 * 60 * 60 * 1000;

/** File ids: 26 lowercase base32 characters, like prediction ids. */
export const FileId = z.string().regex(/^[a-z0-9]{26}$/, "not a file id");
export type FileId = z.infer<typeof FileId>;

/** `filename`: at most 255 bytes of UTF-8. */
export const FileName = z
  .string()
  .min(1)
  .refine((s) => new TextEncoder().encode(s).length <= 255, "filename must be at most 255 bytes of UTF-8");

/** User metadata: any JSON object. */
export const FileMetadata = z.record(z.string(), z.unknown());
export type FileMetadata = z.infer<typeof FileMetadata>;

export const FileChecksums = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  md5: z.string().regex(/^[0-9a-f]{32}$/),
});
export type FileChecksums = z.infer<typeof FileChecksums>;

/**
 * A stored file's metadata, kept in the `files` KV bucket keyed by id; its bytes are the object of
 * the same name in the `files` object store.
 */
export const FileRecord = z.object({
  id: FileId,
  account_id: AccountId,
  name: z.string(),
  content_type: z.string(),
  size: z.number().int().nonnegative(),
  etag: z.string(),
  checksums: FileChecksums,
  metadata: FileMetadata,
  created_at: Timestamp,
  expires_at: Timestamp,
});
export type FileRecord = z.infer<typeof FileRecord>;

/** The file object of `POST /v1/files`, `GET /v1/files` and `GET /v1/files/{id}` (reference §7.1). */
export const FileObject = FileRecord.omit({ account_id: true }).extend({
  urls: z.object({ get: z.url() }),
});
export type FileObject = z.infer<typeof FileObject>;
