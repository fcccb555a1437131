import type { Ledger, LineItem, LineItemChunk, PriceEntry } from "@gantry/contracts/billing";
import { type UsageEvent, usageMsgId } from "@gantry/contracts/usage";
import { describe, expect, it } from "vitest";
import { forAllSeeds, type Random } from "../../test/random.ts";
import { directTotals, genEvents, genPrices, totalsOf } from "../../test/usage-gen.ts";
import { applyCharges, type Charge, emptyLedger, groupByLedger } from "./ledger.ts";
import { CHUNK_SIZE, endsChunk, groupIntoChunks, mergeChunk } from "./line-items.ts";
import { planBatch } from "./plan.ts";

/** What billing keeps in NATS: line-item chunks, ledgers and its position. A crash loses nothing else. */
interface Stores {
  chunks: Map<string, LineItemChunk>;
  ledgers: Map<string, Ledger>;
  position: number;
}

class Crash extends Error {}

/**
 * The stream as JetStream holds it: the events in a random interleaving, each re-sent copy
 * (same message id, within the de-duplication window) dropped.
 */
function publish(rng: Random, events: UsageEvent[]): UsageEvent[] {
  const sends = rng.shuffle(events.flatMap((e) => (rng.chance(0.3) ? [e, e, ...(rng.chance(0.2) ? [e] : [])] : [e])));
  const seen = new Set<string>();
  return sends.filter((e) => {
    const id = usageMsgId(e);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Where the ingest loop ends a batch of at most `max` messages starting after `from`. */
function batchEnd(stream: UsageEvent[], from: number, max: number): number {
  let end = from;
  while (end < stream.length && end - from < max) {
    end++;
    if (endsChunk(end)) break;
  }
  return end;
}

/**
 * One batch, as `ingest.ts` applies it: chunks and ledgers in any order (they are written in
 * parallel), then the position. A crash may strike before any write.
 */
function applyBatch(s: Stores, prices: PriceEntry[], stream: UsageEvent[], from: number, size: number, rng: Random) {
  const end = batchEnd(stream, from, size);
  const batch = stream.slice(from, end).map((event, i) => ({ seq: from + i + 1, event }));
  if (batch.length === 0) return from;
  let budget = rng.chance(0.2) ? rng.int(batch.length + 4) : Number.POSITIVE_INFINITY;
  const write = () => {
    if (budget-- <= 0) throw new Crash();
  };
  const planned = planBatch(prices, batch);
  const charges = planned.flatMap((p) => p.charges);
  const items = planned.flatMap((p) => (p.item ? [p.item] : []));
  const writes: (() => void)[] = [];
  for (const [key, chunk] of groupIntoChunks(items)) {
    writes.push(() => {
      const stored = s.chunks.get(key);
      const next = stored ? mergeChunk(stored, chunk) : chunk;
      if (!next) return;
      write();
      s.chunks.set(key, next);
    });
  }
  for (const [key, list] of groupByLedger(charges)) {
    writes.push(() => {
      const first = list[0] as Charge;
      const current = s.ledgers.get(key) ?? emptyLedger(first.accountId, first.period);
      const next = applyCharges(current, list);
      if (next === current) return;
      write();
      s.ledgers.set(key, next);
    });
  }
  for (const w of rng.shuffle(writes)) w();
  write();
  s.position = Math.max(s.position, end);
  return end;
}

/** Runs billing over the stream with crashes, restarts, replays and a lagging second instance. */
function runWithFaults(rng: Random, prices: PriceEntry[], stream: UsageEvent[], maxBatch = 40): Stores {
  const s: Stores = { chunks: new Map(), ledgers: new Map(), position: 0 };
  let cursor = 0;
  for (let steps = 0; s.position < stream.length; steps++) {
    if (steps > 100_000) throw new Error("no progress");
    const fault = rng.next();
    if (fault < 0.05) {
      cursor = 0; // the stored position was lost: replay everything
    } else if (fault < 0.1 && s.position > 0) {
      // A second instance that started earlier replays a stretch it had not read yet.
      let lag = rng.int(s.position);
      for (let n = rng.between(1, 3); n > 0 && lag < stream.length; n--) {
        try {
          lag = applyBatch(s, prices, stream, lag, rng.between(1, maxBatch), rng);
        } catch (err) {
          if (!(err instanceof Crash)) throw err;
          break;
        }
      }
      continue;
    }
    try {
      cursor = applyBatch(s, prices, stream, cursor, rng.between(1, maxBatch), rng);
    } catch (err) {
      if (!(err instanceof Crash)) throw err;
      cursor = s.position; // restart: resume after the stored position
    }
  }
  return s;
}

const sorted = <V>(m: Map<string, V>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));

describe("exactly-once billing (property, seeded)", () => {
  it("totals equal the direct sum over unique events, whatever the interleaving, duplicates and restarts", () => {
    forAllSeeds(300, (rng) => {
      const prices = genPrices(rng);
      const events = genEvents(rng, rng.between(1, 150));
      const stores = runWithFaults(rng, prices, publish(rng, events));
      expect(sorted(totalsOf(stores.ledgers))).toEqual(sorted(directTotals(prices, events)));
      // One line item per prediction, billed what its ledger charges count.
      const items: LineItem[] = [...stores.chunks.values()].flatMap((c) => c.items);
      const predictions = events.filter((e) => e.kind === "predict");
      expect(items.map((i) => i.prediction_id).sort()).toEqual(predictions.map((e) => e.prediction_id).sort());
      const billed = [...directTotals(prices, predictions).values()].reduce((sum, t) => sum + t.total_nano, 0);
      expect(items.reduce((sum, i) => sum + i.nano, 0)).toBe(billed);
    });
  });

  it("the same across line-item chunk boundaries, with large batches", () => {
    forAllSeeds(6, (rng) => {
      const prices = genPrices(rng);
      const events = genEvents(rng, rng.between(CHUNK_SIZE * 2, CHUNK_SIZE * 3));
      const stores = runWithFaults(rng, prices, publish(rng, events), CHUNK_SIZE);
      expect(sorted(totalsOf(stores.ledgers))).toEqual(sorted(directTotals(prices, events)));
      const items = [...stores.chunks.values()].flatMap((c) => c.items);
      expect(items.length).toBe(events.filter((e) => e.kind === "predict").length);
      expect(new Set(items.map((i) => i.seq)).size).toBe(items.length);
    });
  });

  it("a replay from any earlier point changes no ledger and no line item", () => {
    forAllSeeds(100, (rng) => {
      const prices = genPrices(rng);
      const stream = publish(rng, genEvents(rng, rng.between(1, 80)));
      const clean = runWithFaults(rng, prices, stream);
      const before = [sorted(clean.ledgers), sorted(clean.chunks)];
      const from = rng.int(stream.length);
      let at = from;
      while (at < stream.length)
        at = applyBatch(clean, prices, stream, at, rng.between(1, 40), { ...rng, chance: () => false });
      expect([sorted(clean.ledgers), sorted(clean.chunks)]).toEqual(before);
    });
  });

  it("the same events in another order give the same totals", () => {
    forAllSeeds(100, (rng) => {
      const prices = genPrices(rng);
      const events = genEvents(rng, rng.between(1, 100));
      const a = runWithFaults(rng, prices, publish(rng, events));
      const b = runWithFaults(rng, prices, publish(rng, [...events].reverse()));
      expect(sorted(totalsOf(a.ledgers))).toEqual(sorted(totalsOf(b.ledgers)));
    });
  });
});
