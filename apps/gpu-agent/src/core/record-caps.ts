import { MAX_ERROR_BYTES, MAX_INLINE_OUTPUT_BYTES, MAX_LOGS_BYTES } from "@gantry/contracts/record-limits";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `text` cut to `max` UTF-8 bytes (never inside a character), with `marker(cut)` after it. */
function cut(text: string, max: number, marker: (cutBytes: number) => string): string {
  // A string of n UTF-16 units has at most 3n UTF-8 bytes: most strings need no encoding at all.
  if (text.length * 3 <= max) return text;
  const bytes = encoder.encode(text);
  if (bytes.length <= max) return text;
  let end = max;
  // Step back to the start of a character (continuation bytes are 10xxxxxx).
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return decoder.decode(bytes.subarray(0, end)) + marker(bytes.length - end);
}

/**
 * Logs as the record keeps them: the first {@link MAX_LOGS_BYTES}, then a marker. The head is kept
 * (not the tail) so that every later snapshot cuts to the same text and progress writes stop.
 */
export function capLogs(logs: string): string {
  return cut(logs, MAX_LOGS_BYTES, (n) => `\n[logs truncated: ${n} more bytes not stored]\n`);
}

/** An error message as the record keeps it. */
export function capError(error: string): string {
  return cut(error, MAX_ERROR_BYTES, (n) => `… [${n} more bytes not stored]`);
}

/** The output as JSON when it is too large to be kept inline in the record, else `null`. */
export function oversizedOutputJson(output: unknown): string | null {
  if (output === undefined || output === null) return null;
  const json = JSON.stringify(output);
  if (json === undefined) return null;
  if (json.length * 3 <= MAX_INLINE_OUTPUT_BYTES) return null;
  return encoder.encode(json).length > MAX_INLINE_OUTPUT_BYTES ? json : null;
}
