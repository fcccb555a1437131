/**
 * One size policy for everything a request puts on NATS (issue 14). A prediction's record (input,
 * output, logs, error and metadata), its work item and the change notice that carries the record
 * are each one NATS message, and nats-server refuses messages over `max_payload` (1 MiB by
 * default). So: large data URLs leave the input for the object store, the input that is left has
 * a budget, and so do the results the model writes into the record.
 */

/** nats-server's default `max_payload`: no message we publish may be larger. */
export const NATS_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** JSON request bodies larger than this are refused with 413 (big data URLs move to files, below). */
export const MAX_JSON_BODY_BYTES = 16 * 1024 * 1024;

/**
 * Data URLs in an input (at any depth) longer than this are stored as files of the caller, with
 * the retention of uploads; the stored input keeps the file's URL, the model gets a signed URL.
 */
export const DATA_URL_INLINE_MAX_BYTES = 64 * 1024;

/** The input's JSON after that step, as stored in the record: larger is a 413 and creates nothing. */
export const MAX_INPUT_JSON_BYTES = 256 * 1024;

/**
 * The input the model gets (file URLs become longer signed URLs) travels in the work item; larger
 * is a 413 too.
 */
export const MAX_RUN_INPUT_JSON_BYTES = 512 * 1024;

/** Output, logs and error together in the record: what a run may write into it (enforced by the scheduler/agent side). */
export const MAX_RECORD_RESULT_BYTES = 512 * 1024;

/** Ids, timestamps, model and version, webhook, metrics, tokens: everything else in a record. */
export const RECORD_METADATA_BYTES = 64 * 1024;

/** Headers and the envelope around a record or work item in a message. */
export const MESSAGE_ENVELOPE_BYTES = 16 * 1024;

export const PAYLOAD_TOO_LARGE_INPUT_DETAIL = `The prediction's input is too large: its JSON must be at most ${MAX_INPUT_JSON_BYTES / 1024} KiB once data URLs over ${DATA_URL_INLINE_MAX_BYTES / 1024} KiB are stored as files. Upload large inputs with POST /v1/files and pass their URLs.`;

export const PAYLOAD_TOO_LARGE_RUN_INPUT_DETAIL = `The prediction's input is too large: with its file URLs signed it must be at most ${MAX_RUN_INPUT_JSON_BYTES / 1024} KiB of JSON.`;

export const PAYLOAD_TOO_LARGE_BODY_DETAIL = `Request bodies must be at most ${MAX_JSON_BODY_BYTES / 1024 / 1024} MiB.`;
