import { AppError } from "@gantry/contracts/errors";
import { RateLimitBucket } from "@gantry/contracts/rate-limits";
import { decode, encode } from "@gantry/platform/codec";
import type { KV } from "@nats-io/kv";
import type { MiddlewareHandler } from "hono";
import { type Bucket, limitClass, take, type Verdict } from "./core/rate-limit.ts";
import type { GatewayEnv } from "./deps.ts";

export interface RateLimits {
  /** Prediction creates per minute per account; 0 turns the limit off. */
  createPerMinute: number;
  /** Every other request per minute per account; 0 turns the limit off. */
  otherPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { createPerMinute: 600, otherPerMinute: 3000 };

const MAX_BUCKETS = 100_000;

const CAS_ATTEMPTS = 8;
const isWrongRevision = (err: unknown) => /wrong last sequence|10071/.test(String(err));

/**
 * Takes one request from the bucket shared by every gateway (compare-and-set on its KV entry).
 * Null when the bucket could not be read or written (NATS away, or lost every race): the caller
 * then counts in its own memory, so a NATS hiccup never turns into 429s or 500s by itself.
 */
async function takeShared(kv: KV, key: string, capacity: number, nowMs: number): Promise<Verdict | null> {
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    try {
      const entry = await kv.get(key);
      const stored = entry?.operation === "PUT" ? decode(RateLimitBucket, entry.value, "rate-limit bucket") : undefined;
      const verdict = take(stored, capacity, nowMs);
      // A refused request changes nothing: no write, so a flood of 429s costs one read each.
      if (!verdict.allowed) return verdict;
      const value = encode(verdict.bucket);
      if (entry) await kv.update(key, value, entry.revision);
      else await kv.create(key, value);
      return verdict;
    } catch (err) {
      if (!isWrongRevision(err)) return null;
    }
  }
  return null;
}

/**
 * Per-account rate limits with `ratelimit-remaining`/`ratelimit-reset` on every answer and a 429
 * problem (with `retry_after` and `Retry-After`) past the limit. With `shared` (the `rate-limits`
 * bucket), every gateway counts in the same buckets: N gateways behind a balancer allow an account
 * its limit once. Without it, or while NATS cannot answer, buckets live in this gateway's memory.
 */
export function rateLimiter(limits: RateLimits, now: () => Date, shared?: KV): MiddlewareHandler<GatewayEnv> {
  const buckets = new Map<string, Bucket>();
  return async (c, next) => {
    const cls = limitClass(c.req.method, c.req.path);
    const capacity = cls === "create" ? limits.createPerMinute : limits.otherPerMinute;
    if (capacity <= 0) return next();
    const account = c.get("account").id;
    const key = `${account}:${cls}`;
    const nowMs = now().getTime();
    const verdict =
      (shared ? await takeShared(shared, `${account}.${cls}`, capacity, nowMs) : null) ??
      take(buckets.get(key), capacity, nowMs);
    if (buckets.size >= MAX_BUCKETS && !buckets.has(key)) buckets.clear();
    buckets.set(key, verdict.bucket);
    if (!verdict.allowed) {
      const what = cls === "create" ? "creating predictions" : "this API";
      throw new AppError(
        "RATE_LIMITED",
        `Request was throttled. Your rate limit for ${what} is ${capacity} requests per minute. Your rate limit resets in ~${verdict.reset}s.`,
        { title: "Too many requests", retryAfter: verdict.reset },
      );
    }
    await next();
    c.res.headers.set("ratelimit-remaining", String(verdict.remaining));
    c.res.headers.set("ratelimit-reset", String(verdict.reset));
  };
}
