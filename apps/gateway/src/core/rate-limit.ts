/** A token bucket: `capacity` requests, refilled continuously at `capacity` per minute. */
export interface Bucket {
  tokens: number;
  at: number;
}

export interface Verdict {
  allowed: boolean;
  /** Whole requests left after this one. */
  remaining: number;
  /** Seconds until the bucket is full again (allowed) or until one request fits (refused). */
  reset: number;
  bucket: Bucket;
}

/**
 * Takes one request from the bucket. A full bucket tolerates a burst of `capacity` requests (the
 * official client retries a 429 five times at once, so bursts must not be punished harder).
 */
export function take(bucket: Bucket | undefined, capacity: number, nowMs: number): Verdict {
  const perMs = capacity / 60_000;
  const current = bucket ? Math.min(capacity, bucket.tokens + (nowMs - bucket.at) * perMs) : capacity;
  if (current >= 1) {
    const tokens = current - 1;
    return {
      allowed: true,
      remaining: Math.floor(tokens),
      reset: Math.ceil((capacity - tokens) / perMs / 1000),
      bucket: { tokens, at: nowMs },
    };
  }
  return {
    allowed: false,
    remaining: 0,
    reset: Math.max(1, Math.ceil((1 - current) / perMs / 1000)),
    bucket: { tokens: current, at: nowMs },
  };
}

/** Which limit a request counts against (reference §1.4). */
export function limitClass(method: string, path: string): "create" | "other" {
  if (method !== "POST") return "other";
  return /^(\/openai)?\/v1\/(predictions|models\/[^/]+\/[^/]+\/predictions|deployments\/[^/]+\/[^/]+\/predictions|chat\/completions|completions)\/?$/.test(
    path,
  )
    ? "create"
    : "other";
}
