import { z } from "zod";

/**
 * One account's token bucket for one limit class, as the gateways share it in the `rate-limits`
 * KV bucket (key `<account>.<class>`): tokens left and when (epoch ms) they were counted.
 */
export const RateLimitBucket = z.object({ tokens: z.number().min(0), at: z.number().int().nonnegative() });
export type RateLimitBucket = z.infer<typeof RateLimitBucket>;
