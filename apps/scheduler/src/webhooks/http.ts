import { type EgressAnswer, egressRequest, type Resolver } from "@gantry/platform/egress-node";

export interface DeliveryResult {
  status: number | null;
  error: string | null;
  latencyMs: number;
}

/** A receiver's answer is read (and dropped) up to this size; a longer one fails the delivery. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs one webhook through the egress guard: unless private addresses are allowed, the address
 * connected to is checked (IP literals and every resolved address, so DNS rebinding gains
 * nothing), redirects are not followed (a 3xx is not a delivery), the time and the answer's
 * size are bounded. The result never carries what the receiver said, only its status.
 */
export async function postWebhook(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: { allowPrivate: boolean; timeoutMs: number; resolve?: Resolver },
): Promise<DeliveryResult> {
  const t0 = performance.now();
  const done = (status: number | null, error: string | null): DeliveryResult => ({
    status,
    error,
    latencyMs: Math.round(performance.now() - t0),
  });
  let answer: EgressAnswer;
  try {
    answer = await egressRequest(url, {
      method: "POST",
      headers,
      body,
      timeoutMs: options.timeoutMs,
      maxBytes: MAX_ANSWER_BYTES,
      allowPrivate: options.allowPrivate,
      ...(options.resolve ? { resolve: options.resolve } : {}),
    });
  } catch (err) {
    return done(null, err instanceof Error ? err.message : String(err));
  }
  if (answer.status >= 300 && answer.status < 400) {
    return done(
      answer.status,
      `the server at ${url.origin} answered ${answer.status} (a redirect, which is not followed)`,
    );
  }
  return done(answer.status, null);
}
