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

/** How long a request waits for a lost connection to come back before it is answered 503. */
export const RECONNECT_GRACE_MS = 2000;

/**
 * Whether the gateway's NATS connection is up, from the connection's own status events. A request
 * that arrives while it is down waits for the reconnect, but only within {@link RECONNECT_GRACE_MS}
 * of the loss: on a cluster, a node going away (a rolling restart) moves the connection to another
 * node within a second, and no request should fail for that. Past the grace (NATS really away),
 * requests are answered 503 at once, instead of waiting out the request timeouts of every KV read
 * and publish they would make (5 s each) and answering 500.
 */
export class NatsAvailability {
  readonly #nc: NatsConnection;
  readonly #graceMs: number;
  #up = true;
  #downSince = 0;
  readonly #waiters = new Set<() => void>();

  constructor(nc: NatsConnection, graceMs = RECONNECT_GRACE_MS) {
    this.#nc = nc;
    this.#graceMs = graceMs;
    void this.#watch();
  }

  get up(): boolean {
    return this.#up && !this.#nc.isClosed();
  }

  /** Throws the 503 problem while the connection is down. */
  check(): void {
    if (!this.up) throw unavailable();
  }

  /** Resolves while the connection is up or comes back within the grace; else the 503 problem. */
  async ready(): Promise<void> {
    if (this.up) return;
    const left = this.#graceMs - (Date.now() - this.#downSince);
    if (left > 0 && !this.#nc.isClosed()) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.#waiters.add(done);
      });
    }
    this.check();
  }

  async #watch(): Promise<void> {
    for await (const s of this.#nc.status()) {
      if (s.type === "disconnect" || s.type === "reconnecting" || s.type === "close") {
        if (this.#up) this.#downSince = Date.now();
        this.#up = false;
        if (s.type === "close") for (const wake of [...this.#waiters]) wake();
      } else if (s.type === "reconnect") {
        this.#up = true;
        for (const wake of [...this.#waiters]) wake();
      }
    }
  }
}

/** Whether `err` (or a cause) says no server handled the request: nothing was written. */
function unreached(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof NoRespondersError || (e instanceof JetStreamApiError && e.status === 503)) return true;
  }
  return false;
}

/**
 * Runs `write`, again while it fails because no server handled it (a stream's leader moving to
 * another node of the cluster: no responders, JetStream 503), with a short backoff, for up to
 * `withinMs`. Only for writes that are safe to repeat when unreached: nothing happened the first time.
 */
export async function retryUnreached<T>(write: () => Promise<T>, withinMs = 2 * RECONNECT_GRACE_MS): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!unreached(err) || Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, Math.min(500, 50 * 2 ** attempt)));
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
