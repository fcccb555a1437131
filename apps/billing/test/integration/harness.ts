import { setTimeout as sleep } from "node:timers/promises";
import { Ledger, type LineItem, LineItemChunk, POSITION_KEY } from "@gantry/contracts/billing";
import { STREAMS, subjects } from "@gantry/contracts/subjects";
import { type UsageEvent, usageMsgId } from "@gantry/contracts/usage";
import { decode, encode } from "@gantry/platform/codec";
import { listKeys } from "@gantry/platform/kv-keys";
import { type JetStreamClient, jetstreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import { readPosition } from "../../src/ingest.ts";
import type { Random } from "../random.ts";

/** Publishes events as agents do (`msgID` = {@link usageMsgId}), about `dupRate` of them twice. */
export async function publishEvents(
  js: JetStreamClient,
  rng: Random,
  events: readonly UsageEvent[],
  dupRate = 0.05,
): Promise<number> {
  const acks: Promise<unknown>[] = [];
  let sent = 0;
  const send = (e: UsageEvent, msgID: string) => {
    sent++;
    acks.push(js.publish(subjects.usage(e.kind, e.agent_id), encode(e), { msgID }));
  };
  for (const e of events) {
    send(e, usageMsgId(e));
    if (rng.chance(dupRate)) send(e, usageMsgId(e));
    if (acks.length >= 2000) await Promise.all(acks.splice(0));
  }
  await Promise.all(acks);
  return sent;
}

/** The last sequence of the `USAGE` stream (retried while the server comes back). */
export async function lastSeq(nc: NatsConnection): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      const jsm = await jetstreamManager(nc);
      return (await jsm.streams.info(STREAMS.usage.name)).state.last_seq;
    } catch (err) {
      if (attempt >= 50) throw err;
      await sleep(200);
    }
  }
}

/** Waits until billing has applied everything up to `seq` (its stored position). */
export async function waitForPosition(ledger: KV, seq: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const at = await readPosition(ledger).catch(() => -1);
    if (at >= seq) return;
    if (Date.now() > deadline) throw new Error(`billing stopped at ${at}, expected ${seq}`);
    await sleep(50);
  }
}

/** Every stored ledger, keyed as stored. */
export async function readLedgers(ledger: KV): Promise<Map<string, Ledger>> {
  const out = new Map<string, Ledger>();
  for (const key of await listKeys(ledger)) {
    if (key === POSITION_KEY) continue;
    const entry = await ledger.get(key);
    if (entry?.operation === "PUT") out.set(key, decode(Ledger, entry.value, "ledger"));
  }
  return out;
}

export const sorted = <V>(m: Map<string, V>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));

/** Every stored line item. */
export async function readLineItems(lineItems: KV): Promise<LineItem[]> {
  const out: LineItem[] = [];
  for (const key of await listKeys(lineItems)) {
    const entry = await lineItems.get(key);
    if (entry?.operation === "PUT") out.push(...decode(LineItemChunk, entry.value, "line items").items);
  }
  return out;
}
