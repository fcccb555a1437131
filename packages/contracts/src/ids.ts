import { z } from "zod";

/** Prediction ids: 26 lowercase base32 characters, like Replicate's. */
export const PredictionId = z.string().regex(/^[a-z0-9]{26}$/, "not a prediction id");
export type PredictionId = z.infer<typeof PredictionId>;

/** Version ids: 64 lowercase hex characters. */
export const VersionId = z.string().regex(/^[0-9a-f]{64}$/, "not a version id");
export type VersionId = z.infer<typeof VersionId>;

/** Owner and model names: lowercase letters, digits, dashes, underscores and dots. */
export const Slug = z
  .string()
  .min(1)
  .max(100)
  // No empty segment between dots: names are NATS KV keys, and `a..b` or `a.` is no subject.
  .regex(
    /^[a-z0-9](?:[a-z0-9_-]|\.(?=[a-z0-9_-]))*$/,
    "use lowercase letters, digits, '.', '_' and '-' (no '..', not ending in '.')",
  );

export const AccountId = z.string().regex(/^[a-z0-9]{1,64}$/, "not an account id");
export type AccountId = z.infer<typeof AccountId>;

export const AgentId = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "not an agent id");
export type AgentId = z.infer<typeof AgentId>;

/** A base32 alphabet that needs no escaping anywhere (URLs, NATS subjects, KV keys). */
export const BASE32_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
