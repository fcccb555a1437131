import { AppError } from "@gantry/contracts/errors";
import type { z } from "zod";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a value that its contract has already typed. */
export function encode(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/**
 * Decodes bytes received over NATS with the contract's schema. Never trust `msg.json<T>()`:
 * a bad message is an `AppError`, not a value with a lying type.
 */
export function decode<S extends z.ZodType>(schema: S, data: Uint8Array, what: string): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch (cause) {
    throw new AppError("BAD_REQUEST", `${what}: not JSON`, { cause, expected: false });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError("BAD_REQUEST", `${what}: ${parsed.error.message}`, {
      cause: parsed.error,
      expected: false,
    });
  }
  return parsed.data;
}
