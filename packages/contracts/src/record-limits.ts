/**
 * What an agent writes into a prediction's record at most. The record (input, output, logs and
 * error together) is one KV entry, and NATS refuses an entry over its `max_payload` (1 MiB by
 * default): a record that does not fit could never be ended. Inputs are capped at the gateway;
 * these caps keep the rest well under the limit.
 */

/** Logs kept in the record, in UTF-8 bytes; the rest is cut with a marker that says how much. */
export const MAX_LOGS_BYTES = 128 * 1024;

/** An error message kept in the record, in UTF-8 bytes. */
export const MAX_ERROR_BYTES = 8 * 1024;

/** An output larger than this (as JSON) is stored as a file and the record holds its URL. */
export const MAX_INLINE_OUTPUT_BYTES = 256 * 1024;
