import { AppError, ERROR_CODES } from "@gantry/contracts/errors";
import { encode } from "@gantry/platform/codec";
import type { Logger } from "@gantry/platform/logger";
import { headers, type Msg } from "@nats-io/nats-core";

/**
 * Runs a request handler and answers: the encoded value, or an error in the
 * `Nats-Service-Error-Code` / `Nats-Service-Error` headers (an `AppError`'s status and message;
 * anything else is a 500 whose message stays in the log).
 */
export async function reply(msg: Msg, log: Logger, handle: () => Promise<unknown>): Promise<void> {
  try {
    msg.respond(encode(await handle()));
  } catch (err) {
    const known = err instanceof AppError;
    if (!known || !err.expected) log.error("billing request failed", { subject: msg.subject, err: String(err) });
    const h = headers();
    h.set("Nats-Service-Error-Code", String(known ? err.status : ERROR_CODES.INTERNAL.status));
    const text = known ? err.message : "billing failed; it has been logged";
    h.set("Nats-Service-Error", text.replace(/\s+/g, " ").slice(0, 500));
    msg.respond(undefined, { headers: h });
  }
}
