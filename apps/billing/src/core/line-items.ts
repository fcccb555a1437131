import type { LineItem, LineItemChunk } from "@gantry/contracts/billing";

/**
 * Stream sequences per line-item chunk. Keys depend on it, so it never changes; a chunk of one
 * account holds at most this many items (300–500 bytes each), well under NATS's 1 MB payload.
 */
export const CHUNK_SIZE = 1000;

export const chunkOf = (seq: number) => Math.floor((seq - 1) / CHUNK_SIZE);

/** Whether `seq` is the last sequence of its chunk: batches end there, so a chunk is one write. */
export const endsChunk = (seq: number) => seq % CHUNK_SIZE === 0;

export const chunkKey = (accountId: string, period: string, chunk: number) => `${accountId}.${period}.${chunk}`;

/** A batch's line items grouped into the chunks they belong to, keyed like the store. */
export function groupIntoChunks(items: readonly LineItem[]): Map<string, LineItemChunk> {
  const chunks = new Map<string, LineItemChunk>();
  for (const item of items) {
    const chunk = chunkOf(item.seq ?? 1);
    const key = chunkKey(item.account_id, item.period, chunk);
    const found = chunks.get(key);
    if (found) found.items.push(item);
    else chunks.set(key, { account_id: item.account_id, period: item.period, chunk, items: [item] });
  }
  return chunks;
}

const identity = (item: LineItem) => (item.seq === undefined ? item.prediction_id : `#${item.seq}`);

/**
 * The stored chunk with the incoming items added, in sequence order; `null` when it holds them all
 * already (a replay). Items are identified by their event's sequence, like the ledgers.
 */
export function mergeChunk(stored: LineItemChunk, incoming: LineItemChunk): LineItemChunk | null {
  const have = new Set(stored.items.map(identity));
  const fresh = incoming.items.filter((i) => !have.has(identity(i)));
  if (fresh.length === 0) return null;
  const items = [...stored.items, ...fresh].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  return { ...stored, items };
}
