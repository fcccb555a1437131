import type { Buckets } from "@gantry/platform/topology";

/**
 * A leader lease on a key of the `leases` bucket (its entries expire within seconds unless renewed):
 * the returned function takes or renews it for this scheduler and says whether it leads. Called once
 * a tick, so a dead leader is replaced within the bucket's TTL.
 */
export function leaderLease(leases: Buckets["leases"], key: string, schedulerId: string): () => Promise<boolean> {
  return async () => {
    const entry = await leases.get(key);
    if (entry?.operation === "PUT" && entry.string() !== schedulerId) return false;
    try {
      if (entry?.operation === "PUT") await leases.update(key, schedulerId, entry.revision);
      else await leases.create(key, schedulerId);
      return true;
    } catch {
      return false; // another scheduler renewed or took it first
    }
  };
}
