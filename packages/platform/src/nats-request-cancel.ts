import { RequestOne } from "@nats-io/nats-core/internal";

const SETTLED = Symbol("gantry.request.settled");

interface RequestInternals {
  [SETTLED]?: boolean;
  timer?: { cancel(): void };
  mux: { cancel(r: unknown): void };
  resolver(err: Error | null, msg: unknown): void;
  cancel(err?: Error): void;
}

let applied = false;

/**
 * nats.js (@nats-io/nats-core 3.4.0, the latest) ends every request, answered or not, with
 * `RequestOne.cancel()`, which rejects the request's promise with a new `RequestError("cancelled")`:
 * for an answered request that promise is settled already, so the rejection does nothing, but the
 * error and its stack trace are built all the same (~10 µs; 3–9% of a service's CPU under load, as
 * every KV operation and JetStream publish is a request). This skips building it once the answer
 * (or a failure) has settled the promise; a request cancelled before its answer (its connection
 * closing) is still rejected with that error. Idempotent; true when the patch is in place.
 */
export function skipSettledRequestErrors(): boolean {
  if (applied) return true;
  const proto = RequestOne.prototype as unknown as RequestInternals;
  const { resolver, cancel } = proto;
  // A later nats.js may differ: then nothing is changed (and the test of this patch fails).
  if (typeof resolver !== "function" || typeof cancel !== "function") return false;
  proto.resolver = function (this: RequestInternals, err, msg) {
    this[SETTLED] = true;
    resolver.call(this, err, msg);
  };
  proto.cancel = function (this: RequestInternals, err) {
    if (err !== undefined || !this[SETTLED]) return cancel.call(this, err);
    this.timer?.cancel();
    this.mux.cancel(this);
  };
  applied = true;
  return true;
}
