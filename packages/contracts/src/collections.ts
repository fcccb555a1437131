import { z } from "zod";
import { Slug } from "./ids.ts";
import { Timestamp } from "./time.ts";

/** A curated list of models, keyed by slug in the `collections` bucket (reference §8.5). */
export const CollectionRecord = z.object({
  slug: Slug,
  name: z.string().min(1),
  description: z.string(),
  /** Markdown, or null. */
  full_description: z.string().nullable(),
  /** The models in it, `owner/name`, in the order shown. */
  models: z.array(z.string().regex(/^[^/\s]+\/[^/\s]+$/, "must be owner/name")),
  created_at: Timestamp,
});
export type CollectionRecord = z.infer<typeof CollectionRecord>;

/** A collection in a list: `GET /v1/collections`. */
export const CollectionSummary = CollectionRecord.pick({ name: true, slug: true, description: true });
export type CollectionSummary = z.infer<typeof CollectionSummary>;
