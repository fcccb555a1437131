import { AppError } from "@gantry/contracts/errors";
import { JetStreamApiError } from "@nats-io/jetstream";
import {
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  type NatsConnection,
  NoRespondersError,
  TimeoutError,
} from "@nats-io/nats-core";

/** What a client is told while NATS cannot be reached: nothing was created, try again. */
export const NATS_UNAVAILABLE_DETAIL = "The platform is briefly unavailable; nothing was changed. Try again shortly.";

/**
 * Whether the gateway's NATS connection is up, from the connection's own status events: a request
 * that arrives while it is down is answered 503 at once, instead of waiting out the request
 * timeouts of every KV read and publish it would make (5 s each) and answering 500.
 */
export class NatsAvailability {
  readonly #nc: NatsConnection;
  #up = true;

  constructor(nc: NatsConnection) {
    this.#nc = nc;
    void this.#watch();
  }

  get up(): boolean {
    return this.#up && !this.#nc.isClosed();
  }

  /** Throws the 503 problem while the connection is down. */
  check(): void {
    if (!this.up) throw unavailable();
  }

  async #watch(): Promise<void> {
    for await (const s of this.#nc.status()) {
      if (s.type === "disconnect" || s.type === "reconnecting" || s.type === "close") this.#up = false;
      else if (s.type === "reconnect") this.#up = true;
    }
  }
}

export function unavailable(cause?: unknown): AppError {
  return new AppError("UNAVAILABLE", NATS_UNAVAILABLE_DETAIL, { cause });
}

/**
 * The 503 for an error that means NATS (or JetStream) could not be reached or did not answer in
 * time (also as the cause of a request's error) — a closed or draining connection, a timeout, no responders, JetStream itself unavailable —
 * or `null` for any other error (a bug stays a 500).
 */
export function natsOutage(err: unknown): AppError | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (
      e instanceof ClosedConnectionError ||
      e instanceof DrainingConnectionError ||
      e instanceof ConnectionError ||
      e instanceof TimeoutError ||
      e instanceof NoRespondersError ||
      (e instanceof JetStreamApiError && e.status === 503)
    ) {
      return unavailable(err);
    }
  }
  return null;
}
