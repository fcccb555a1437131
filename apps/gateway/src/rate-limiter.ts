import { AppError } from "@gantry/contracts/errors";
import type { MiddlewareHandler } from "hono";
import { type Bucket, limitClass, take } from "./core/rate-limit.ts";
import type { GatewayEnv } from "./deps.ts";

export interface RateLimits {
  /** Prediction creates per minute per account; 0 turns the limit off. */
  createPerMinute: number;
  /** Every other request per minute per account; 0 turns the limit off. */
  otherPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { createPerMinute: 600, otherPerMinute: 3000 };

const MAX_BUCKETS = 100_000;

/**
 * Per-account rate limits with `ratelimit-remaining`/`ratelimit-reset` on every answer and a 429
 * problem (with `retry_after` and `Retry-After`) past the limit. Buckets live in this gateway's
 * memory: with N gateways behind a balancer an account gets up to N times the limit.
 */
export function rateLimiter(limits: RateLimits, now: () => Date): MiddlewareHandler<GatewayEnv> {
  const buckets = new Map<string, Bucket>();
  return async (c, next) => {
    const cls = limitClass(c.req.method, c.req.path);
    const capacity = cls === "create" ? limits.createPerMinute : limits.otherPerMinute;
    if (capacity <= 0) return next();
    const key = `${c.get("account").id}:${cls}`;
    const verdict = take(buckets.get(key), capacity, now().getTime());
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
