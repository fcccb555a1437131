import { setTimeout as sleep } from "node:timers/promises";
import { IngestPosition, type LineItem, LineItemChunk, POSITION_KEY } from "@gantry/contracts/billing";
import { STREAMS } from "@gantry/contracts/subjects";
import { UsageEvent } from "@gantry/contracts/usage";
import { decode } from "@gantry/platform/codec";
import { listKeys } from "@gantry/platform/kv-keys";
import { openTopology } from "@gantry/platform/topology";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Platform } from "../helpers.ts";
import {
  type Billed,
  type CreateOutcome,
  describeSchedule,
  type Fault,
  type FaultTarget,
  type Final,
  faultSchedule,
  isTerminal,
  type LoadItem,
  loadPlan,
  type Observation,
  refusalWindows,
  type Tally,
  tally,
} from "./core.ts";

export interface ChaosOptions {
  /** How long creates are sent. */
  durationMs: number;
  /** Creates per second. */
  rate: number;
  seed: number;
  /** How long, after the load, every accepted prediction and billing get to settle. */
  drainMs: number;
  /** What is killed (default: scheduler, agent-0, gateway, billing, nats). */
  targets?: readonly FaultTarget[];
  rounds?: number;
  log?: (line: string) => void;
}

export interface ChaosResult {
  faults: Fault[];
  /** Services whose process was found exited without being killed by the run (crashes), with how. */
  crashed: string[];
  /** Whether a create and its wait succeeded once everything was started again. */
  servesAfter: boolean;
  outcomes: CreateOutcome[];
  observations: Observation[];
  tally: Tally;
}

export const ALL_TARGETS: readonly FaultTarget[] = ["scheduler", "agent-0", "gateway", "billing", "nats"];

/**
 * Sends `gantry/test` creates through the public API at a steady rate while it SIGKILLs and
 * restarts each target in turn, then waits for every accepted prediction to end and for billing to
 * apply every usage event, and tallies what the API and billing's ledger show.
 */
export async function runChaos(p: Platform, o: ChaosOptions): Promise<ChaosResult> {
  const log = o.log ?? (() => {});
  const faults = faultSchedule({
    durationMs: o.durationMs,
    targets: o.targets ?? ALL_TARGETS,
    seed: o.seed,
    rounds: o.rounds,
  });
  const load = loadPlan({ durationMs: o.durationMs, rate: o.rate, seed: o.seed });
  log(`seed ${o.seed}: ${load.length} creates over ${o.durationMs / 1000} s, ${faults.length} faults`);
  for (const line of describeSchedule(faults)) log(line);

  const t0 = Date.now();
  const creates = load.map(async (item) => {
    await sleep(Math.max(0, t0 + item.atMs - Date.now()));
    return create(p, item);
  });
  const faulting = (async () => {
    for (const f of faults) {
      await sleep(Math.max(0, t0 + f.atMs - Date.now()));
      log(`+${((Date.now() - t0) / 1000).toFixed(1)} s kill -9 ${f.target}`);
      await inject(p, f);
      log(`+${((Date.now() - t0) / 1000).toFixed(1)} s ${f.target} started again`);
    }
  })();
  const outcomes = await Promise.all(creates);
  await faulting;
  const accepted = outcomes.flatMap((c) => (c.kind === "accepted" ? [c] : []));
  for (const line of refusalWindows(outcomes)) log(`refused ${line}`);
  log(`load over: ${accepted.length} of ${outcomes.length} creates accepted; draining`);

  const crashed = exitedServices(p);
  const deadline = Date.now() + o.drainMs;
  const finals = await drain(p, accepted, deadline);
  const servesAfter = await servesAgain(p, deadline);
  for (const name of exitedServices(p)) if (!crashed.includes(name)) crashed.push(name);
  if (crashed.length > 0) log(`exited by themselves: ${crashed.join(", ")}`);
  const nc = await connect({ ...p.nats.connectOptions("operator"), maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  try {
    const shownPredictTime = new Set(
      [...finals].flatMap(([id, f]) => (f.kind === "shown" && f.predictTimeS !== null ? [id] : [])),
    );
    const billed = await readBilling(nc, shownPredictTime, deadline, log);
    const observations: Observation[] = accepted.map((a) => ({
      id: a.id,
      tokens: a.tokens,
      final: finals.get(a.id) ?? { kind: "unanswered" },
      billed: billed.get(a.id) ?? { usageMessages: 0, lineItemMs: [] },
    }));
    return { faults, crashed, servesAfter, outcomes, observations, tally: tally(outcomes, observations) };
  } finally {
    await nc.close();
  }
}

/** Services whose current process has exited: every one the run killed was started again. */
function exitedServices(p: Platform): string[] {
  return [...p.stack.processes]
    .filter(([, proc]) => proc.exitCode !== null || proc.signalCode !== null)
    .map(([name, proc]) => `${name} (${proc.signalCode ?? `code ${proc.exitCode}`})`);
}

/** A create with `Prefer: wait` succeeds once the faults are over (retried to the deadline while a service starts). */
async function servesAgain(p: Platform, deadline: number): Promise<boolean> {
  for (;;) {
    const res = await p
      .api("/v1/predictions", {
        method: "POST",
        headers: { prefer: "wait=10" },
        body: JSON.stringify({ version: "gantry/test", input: { tokens: 2 } }),
        signal: AbortSignal.timeout(20_000),
      })
      .catch(() => null);
    const body = (await res?.json().catch(() => null)) as { status?: string; output?: unknown } | null;
    if (body?.status === "succeeded" && JSON.stringify(body.output) === JSON.stringify(["tok0", " tok1"])) return true;
    if (Date.now() > deadline) return false;
    await sleep(500);
  }
}

async function inject(p: Platform, f: Fault): Promise<void> {
  if (f.target === "nats") {
    await p.nats.kill();
    await sleep(f.downMs);
    await p.nats.restart();
    return;
  }
  await p.stack.kill(f.target);
  await sleep(f.downMs);
  p.stack.restart(f.target);
}

async function create(p: Platform, item: LoadItem): Promise<CreateOutcome> {
  try {
    const res = await fetch(`${p.stack.baseUrl}/v1/predictions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${p.stack.token}`,
        "content-type": "application/json",
        ...(item.waitS === null ? {} : { prefer: `wait=${item.waitS}` }),
      },
      body: JSON.stringify({ version: "gantry/test", input: item.input }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json().catch(() => null)) as { id?: unknown } | null;
    if (res.status < 300 && typeof body?.id === "string")
      return { kind: "accepted", id: body.id, tokens: item.input.tokens };
    return { kind: "refused", reason: String(res.status), atMs: item.atMs };
  } catch (err) {
    if ((err as Error).name === "TimeoutError") return { kind: "refused", reason: "timeout", atMs: item.atMs };
    const code = ((err as Error).cause as { code?: unknown } | undefined)?.code;
    return { kind: "refused", reason: typeof code === "string" ? `network ${code}` : "network", atMs: item.atMs };
  }
}

/** Polls each accepted prediction (a few at a time) until it is terminal, unknown (404) or the deadline passes. */
export async function drain(
  p: Pick<Platform, "api">,
  accepted: readonly { id: string }[],
  deadline: number,
): Promise<Map<string, Final>> {
  const finals = new Map<string, Final>();
  let pending = accepted.map((a) => a.id);
  while (pending.length > 0) {
    const queue = [...pending];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const seen = await look(p, id);
        if (seen) finals.set(id, seen);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    pending = pending.filter((id) => {
      const f = finals.get(id);
      return !f || (f.kind === "shown" && !isTerminal(f.status));
    });
    if (pending.length === 0 || Date.now() > deadline) break;
    await sleep(1000);
  }
  return finals;
}

async function look(p: Pick<Platform, "api">, id: string): Promise<Final | null> {
  try {
    const res = await p.api(`/v1/predictions/${id}`, { signal: AbortSignal.timeout(10_000) });
    if (res.status === 404) return { kind: "unknown" };
    if (!res.ok) return null;
    const b = (await res.json()) as {
      status: string;
      output: unknown;
      metrics?: { predict_time?: number };
      started_at?: string | null;
      completed_at?: string | null;
      error?: unknown;
    };
    return {
      kind: "shown",
      status: b.status,
      output: b.output,
      predictTimeS: b.metrics?.predict_time ?? null,
      startedAt: b.started_at ?? null,
      completedAt: b.completed_at ?? null,
      ...(b.error ? { error: b.error } : {}),
    };
  } catch {
    return null;
  }
}

/**
 * Waits (to the deadline) until every prediction in `expected` has its usage on the `USAGE` stream
 * (an agent publishes it just after the terminal write) and billing has applied the whole stream,
 * then counts, per prediction id, its predict usage messages and its line items in billing's store.
 */
export async function readBilling(
  nc: NatsConnection,
  expected: ReadonlySet<string>,
  deadline: number,
  log: (line: string) => void,
): Promise<Map<string, Billed>> {
  const jsm = await jetstreamManager(nc);
  const buckets = await openTopology(nc, { identity: "operator" });
  let usage = new Map<string, number>();
  let last = 0;
  for (;;) {
    last = (await jsm.streams.info(STREAMS.usage.name)).state.last_seq;
    usage = await predictUsageCounts(nc, last);
    const missing = [...expected].filter((id) => !usage.has(id));
    if (missing.length === 0) break;
    if (Date.now() > deadline) {
      log(
        `no usage on the USAGE stream for ${missing.length} predictions that show a predict time: ${missing.slice(0, 5).join(", ")}`,
      );
      break;
    }
    await sleep(500);
  }
  let position = -1;
  for (;;) {
    const entry = await buckets.ledger.get(POSITION_KEY).catch(() => null);
    position = entry?.operation === "PUT" ? decode(IngestPosition, entry.value, "position").seq : 0;
    if (position >= last || Date.now() > deadline) break;
    await sleep(250);
  }
  if (position < last) log(`billing applied the USAGE stream to ${position} of ${last} before the deadline`);
  const billed = new Map<string, Billed>();
  for (const [id, n] of usage) billed.set(id, { usageMessages: n, lineItemMs: [] });
  const items: LineItem[] = [];
  for (const key of await listKeys(buckets.lineItems)) {
    const entry = await buckets.lineItems.get(key);
    if (entry?.operation === "PUT") items.push(...decode(LineItemChunk, entry.value, "line items").items);
  }
  for (const item of items) {
    const b = billed.get(item.prediction_id) ?? { usageMessages: 0, lineItemMs: [] };
    b.lineItemMs.push(item.ms);
    billed.set(item.prediction_id, b);
  }
  return billed;
}

/** Predict usage messages per prediction id on the `USAGE` stream, up to sequence `last`. */
async function predictUsageCounts(nc: NatsConnection, last: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (last === 0) return counts;
  const consumer = await jetstream(nc).consumers.get(STREAMS.usage.name);
  const messages = await consumer.consume();
  for await (const m of messages) {
    const e = decode(UsageEvent, m.data, "usage");
    if (e.kind === "predict") counts.set(e.prediction_id, (counts.get(e.prediction_id) ?? 0) + 1);
    if (m.seq >= last) break;
  }
  return counts;
}
