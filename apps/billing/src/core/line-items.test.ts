import type { LineItem } from "@gantry/contracts/billing";
import { describe, expect, it } from "vitest";
import { CHUNK_SIZE, chunkOf, endsChunk, groupIntoChunks, mergeChunk } from "./line-items.ts";

const item = (seq: number, account_id = "alice", period = "2026-02"): LineItem => ({
  prediction_id: `p${seq.toString().padStart(25, "0")}`,
  account_id,
  model: "acme/llm",
  hardware: "cpu",
  period,
  ms: 1000,
  price_per_second: 100_000,
  nano: 100_000,
  at: "2026-02-10T00:00:00.000Z",
  billing: "predict",
  deployment: null,
  seq,
});

describe("line-item chunks", () => {
  it("fixed sequence ranges, whatever the batches", () => {
    expect([chunkOf(1), chunkOf(CHUNK_SIZE), chunkOf(CHUNK_SIZE + 1)]).toEqual([0, 0, 1]);
    expect([endsChunk(CHUNK_SIZE - 1), endsChunk(CHUNK_SIZE), endsChunk(2 * CHUNK_SIZE)]).toEqual([false, true, true]);
  });

  it("groups a batch's items by account, period and chunk", () => {
    const chunks = groupIntoChunks([
      item(1),
      item(2, "bob"),
      item(3),
      item(CHUNK_SIZE + 1),
      item(4, "alice", "2026-03"),
    ]);
    expect([...chunks.keys()]).toEqual(["alice.2026-02.0", "bob.2026-02.0", "alice.2026-02.1", "alice.2026-03.0"]);
    expect(chunks.get("alice.2026-02.0")?.items.map((i) => i.seq)).toEqual([1, 3]);
  });

  it("merging adds what is new, in sequence order, and nothing on a replay", () => {
    const stored = { account_id: "alice", period: "2026-02", chunk: 0, items: [item(1), item(5)] };
    const incoming = { ...stored, items: [item(3), item(5)] };
    expect(mergeChunk(stored, incoming)?.items.map((i) => i.seq)).toEqual([1, 3, 5]);
    expect(mergeChunk(stored, { ...stored, items: [item(5)] })).toBeNull();
  });
});
