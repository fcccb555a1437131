import type { KV } from "@nats-io/kv";

export interface BootTicket {
  release(): Promise<void>;
}

/**
 * One boot at a time per deployment across every scheduler: a key in the `leases` bucket, taken
 * with create (only one taker wins) and deleted once the boot is visible in its agent's
 * heartbeat. A holder that dies leaves it to the bucket's TTL (seconds). Each scheduler sees only
 * its own placements at once and the others' through heartbeats: without the ticket, two of them
 * could each boot the instance that `max_instances` leaves room for.
 */
export function bootTickets(leases: KV, holder: string) {
  return {
    async take(deployment: string): Promise<BootTicket | null> {
      const key = `boot.${deployment}`;
      let revision: number;
      try {
        revision = await leases.create(key, holder);
      } catch {
        return null; // another scheduler is booting one of this deployment's instances
      }
      return {
        release: () => leases.delete(key, { previousSeq: revision }).catch(() => undefined),
      };
    },
  };
}
