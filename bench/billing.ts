import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { IngestPosition, Ledger, POSITION_KEY } from "@gantry/contracts/billing";
import { findHardware } from "@gantry/contracts/hardware";
import { STREAMS, subjects } from "@gantry/contracts/subjects";
import { type UsageEvent, usageMsgId } from "@gantry/contracts/usage";
import { decode, encode } from "@gantry/platform/codec";
import { listKeys } from "@gantry/platform/kv-keys";
import { DEFAULT_TOPOLOGY, ensureTopology } from "@gantry/platform/topology";
import { startNatsServer } from "@gantry/testing/nats-server";
import { REPO_ROOT } from "@gantry/testing/stack";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

interface Options {
  /** Distinct usage events (default 100,000). */
  events?: number;
  /** Share of events published a second time with the same message id (default 5%). */
  duplicates?: number;
  /** `GANTRY_BILLING_BATCH` values to run, each against a fresh nats-server. */
  batchSizes?: number[];
  /** Node arguments that start billing (default: `main.ts` under tsx). */
  billingArgs?: string[];
}

const BILLING_ARGS = ["--import", "tsx", "apps/billing/src/main.ts"];

const SKUS = ["cpu", "gpu-t4", "gpu-a100-large", "gpu-h100"];
const DAY = 24 * 60 * 60 * 1000;
const START = Date.parse("2026-02-05T00:00:00.000Z");

/** Deterministic events in mid-February at catalog prices: 80% predictions, 20% up-time intervals. */
function makeEvents(n: number): UsageEvent[] {
  let seed = 42;
  const rand = (k: number) => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed % k;
  };
  return Array.from({ length: n }, (_, i): UsageEvent => {
    const account_id = `acct${rand(100)}`;
    const model = `owner${rand(10)}/model${rand(20)}`;
    const hardware = SKUS[rand(SKUS.length)] ?? "cpu";
    const t = START + rand(20 * DAY);
    const common = { account_id, model, hardware, version_id: "b".repeat(64), agent_id: `agent-${rand(8)}` };
    if (i % 5 !== 4) {
      const id = `b${i.toString(36).padStart(25, "0")}`;
      return {
        kind: "predict",
        prediction_id: id,
        predict_ms: 100 + rand(60_000),
        at: new Date(t).toISOString(),
        ...common,
      };
    }
    const deployment = `owner${rand(10)}/dep${rand(5)}`;
    return {
      kind: "uptime",
      instance_id: `inst-${i}`,
      interval: 0,
      from: new Date(t).toISOString(),
      to: new Date(t + 60_000).toISOString(),
      billing: "uptime",
      deployment,
      ...common,
    };
  });
}

/** The expected ledgers, summed directly: `account.period` → total nano-dollars and predictions. */
function directSum(events: UsageEvent[]): Map<string, { nano: number; predictions: number }> {
  const out = new Map<string, { nano: number; predictions: number }>();
  for (const e of events) {
    const key = `${e.account_id}.2026-02`;
    const price = findHardware(e.hardware)?.price_per_second ?? 0;
    const ms = e.kind === "predict" ? e.predict_ms : Date.parse(e.to) - Date.parse(e.from);
    const sum = out.get(key) ?? { nano: 0, predictions: 0 };
    sum.nano += Math.floor((price * ms + 500) / 1000);
    if (e.kind === "predict") sum.predictions++;
    out.set(key, sum);
  }
  return out;
}

interface Run {
  batch: number;
  published: number;
  stored: number;
  publishPerSecond: number;
  seconds: number;
  exact: boolean;
}

async function runOnce(events: UsageEvent[], duplicates: number, batch: number, args: string[]): Promise<Run> {
  await using nats = await startNatsServer();
  const nc = await connect({ ...nats.connectOptions(), noAsyncTraces: true });
  const buckets = await ensureTopology(nc, DEFAULT_TOPOLOGY);
  const js = jetstream(nc);
  let published = 0;
  let acks: Promise<unknown>[] = [];
  const p0 = performance.now();
  for (const [i, e] of events.entries()) {
    const send = () => {
      published++;
      acks.push(js.publish(subjects.usage(e.kind, e.agent_id), encode(e), { msgID: usageMsgId(e) }));
    };
    send();
    if (i % Math.round(1 / duplicates) === 0) send();
    if (acks.length >= 5000) {
      await Promise.all(acks);
      acks = [];
    }
  }
  await Promise.all(acks);
  const publishPerSecond = published / ((performance.now() - p0) / 1000);
  const stored = (await (await jetstreamManager(nc)).streams.info(STREAMS.usage.name)).state.last_seq;

  const billing = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...nats.serviceEnv("billing"), GANTRY_BILLING_BATCH: String(batch) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  // The clock starts when billing says it started: process start-up is not ingest.
  await new Promise<void>((resolve) =>
    billing.stderr?.on("data", (d: Buffer) => d.toString().includes("billing started") && resolve()),
  );
  const t0 = performance.now();
  for (;;) {
    const entry = await buckets.ledger.get(POSITION_KEY);
    if (entry?.operation === "PUT" && decode(IngestPosition, entry.value, "position").seq >= stored) break;
    await sleep(5);
  }
  const seconds = (performance.now() - t0) / 1000;
  billing.kill("SIGTERM");

  const expected = directSum(events);
  let exact = true;
  let ledgers = 0;
  for (const key of await listKeys(buckets.ledger)) {
    if (key === POSITION_KEY) continue;
    ledgers++;
    const entry = await buckets.ledger.get(key);
    const got = entry?.operation === "PUT" ? decode(Ledger, entry.value, "ledger") : null;
    const want = expected.get(key);
    if (!got || !want || got.total_nano !== want.nano || got.predictions !== want.predictions) exact = false;
  }
  if (ledgers !== expected.size) exact = false;
  await nc.close();
  return { batch, published, stored, publishPerSecond, seconds, exact };
}

/**
 * `npm run bench billing`: usage events ingested per second by the billing service (its own
 * process, as in production) from a stream filled beforehand, with the totals checked against a
 * direct sum of the unique events.
 */
export async function benchBilling(o: Options = {}): Promise<string> {
  const events = makeEvents(o.events ?? 100_000);
  const runs: Run[] = [];
  for (const batch of o.batchSizes ?? [1000, 4000])
    runs.push(await runOnce(events, o.duplicates ?? 0.05, batch, o.billingArgs ?? BILLING_ARGS));
  return [
    `### Billing ingest: ${events.length.toLocaleString("en")} usage events + ${Math.round((o.duplicates ?? 0.05) * 100)}% duplicates by msgID`,
    "",
    "| batch | published | stored (unique) | publish /s | ingest s | events/s ingested | totals exact |",
    "|---:|---:|---:|---:|---:|---:|---|",
    ...runs.map(
      (r) =>
        `| ${r.batch} | ${r.published} | ${r.stored} | ${Math.round(r.publishPerSecond)} | ${r.seconds.toFixed(2)} | ${Math.round(r.stored / r.seconds)} | ${r.exact ? "yes" : "no"} |`,
    ),
    "",
  ].join("\n");
}
