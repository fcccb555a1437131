import { subjects } from "@gantry/contracts/subjects";
import { DEMO_MODELS } from "@gantry/demo-models/catalog";
import { type Agent, start as startAgent } from "@gantry/gpu-agent/service";
import { encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { Registry } from "@gantry/platform/registry";
import { DEFAULT_TOPOLOGY, ensureTopology } from "@gantry/platform/topology";
import { type Placed, start as startScheduler } from "@gantry/scheduler/service";
import { predictionRecord, workItemOf } from "@gantry/testing/fixtures";
import { startNatsServer } from "@gantry/testing/nats-server";
import { REPO_ROOT } from "@gantry/testing/stack";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { percentile } from "./stats.ts";

export interface PlacementBench {
  agents: number;
  slotsPerAgent: number;
  models: number;
  /** Predictions per second offered, spread evenly. */
  rate: number;
  seconds: number;
  /** Each prediction's run time (the `gantry/test` model's `sleep_ms`). */
  runMs: number;
}

const testModel = DEMO_MODELS.find((m) => m.name === "test")!;
const versionId = (i: number) => String(i).repeat(64).slice(0, 64);

/**
 * Steady load of mixed models on several agents: how often a prediction finds a warm instance,
 * and how long placement takes (enqueue → an agent accepted it). Scheduler, agents and model
 * servers are real; the gateway is left out (its cost is in the predictions table).
 */
export async function benchPlacement(o: PlacementBench): Promise<string> {
  await using nats = await startNatsServer();
  const nc = await connect({ ...nats.connectOptions(), noAsyncTraces: true });
  const buckets = await ensureTopology(nc);
  const registry = new Registry(buckets);
  for (let m = 0; m < o.models; m++) {
    await registry.putVersion({
      id: versionId(m + 1),
      model: `gantry/test-${m + 1}`,
      account_id: "gantry",
      cog_version: null,
      openapi_schema: testModel.predictor.openapi,
      runtime: { kind: "command", argv: testModel.argv },
      concurrency: 1,
      created_at: new Date().toISOString(),
    });
  }
  const placed: Placed[] = [];
  const scheduler = await startScheduler({
    nc,
    now: () => new Date(),
    log: silentLogger,
    config: {
      agentStaleMs: 5000,
      runTimeoutMs: 60_000,
      retryDelayMs: 20,
      topology: DEFAULT_TOPOLOGY,
      webhooks: { publicUrl: "http://127.0.0.1:8787", allowPrivate: true, timeoutMs: 5000 },
    },
    onPlaced: (p) => placed.push(p),
  });
  const agents: Agent[] = [];
  for (let a = 0; a < o.agents; a++) {
    agents.push(
      await startAgent({
        nc: await connect({ ...nats.connectOptions(), noAsyncTraces: true }),
        now: () => new Date(),
        log: silentLogger,
        config: {
          agentId: `bench-${a}`,
          sku: "cpu",
          emulated: false,
          gpus: [],
          slots: o.slotsPerAgent,
          webhookPort: 0,
          modelsDir: REPO_ROOT,
          heartbeatMs: 500,
          idleStopMs: 60_000,
          setupTimeoutMs: 30_000,
          topology: DEFAULT_TOPOLOGY,
        },
      }),
    );
  }
  const store = new PredictionStore(buckets.predictions, nc);
  const js = jetstream(nc);
  const total = o.rate * o.seconds;
  const t0 = performance.now();
  // Popularity is skewed, as on real platforms: model k gets weight 1/k.
  const weights = Array.from({ length: o.models }, (_, k) => 1 / (k + 1));
  const sum = weights.reduce((a, b) => a + b, 0);
  const pick = (u: number) => {
    let acc = 0;
    for (let k = 0; k < weights.length; k++) {
      acc += weights[k]! / sum;
      if (u < acc) return k + 1;
    }
    return weights.length;
  };
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / o.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const m = pick(random());
    const r = predictionRecord({
      id: `bench${String(i).padStart(21, "0")}`,
      account_id: `acct${i % 5}`,
      model: `gantry/test-${m}`,
      version: versionId(m),
      input: { sleep_ms: o.runMs },
    });
    await store.create(r);
    const item = workItemOf(r);
    await js.publish(subjects.work("cpu"), encode(item), { msgID: r.id });
  }
  const until = performance.now() + 60_000;
  while (placed.length < total && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
  await scheduler.stop();
  await Promise.all(agents.map((a) => a.stop()));
  await nc.close();

  const warm = placed.filter((p) => p.warm);
  const latency = (ps: Placed[]) => ps.map((p) => p.latencyMs);
  const fmt = (n: number) => (Number.isNaN(n) ? "–" : n.toFixed(1));
  const row = (what: string, ps: Placed[]) =>
    `| ${what} | ${ps.length} | ${fmt(percentile(latency(ps), 50))} | ${fmt(percentile(latency(ps), 99))} |`;
  return [
    `### Placement: ${o.agents} agents × ${o.slotsPerAgent} slots, ${o.models} models (popularity 1/k), ${o.rate}/s for ${o.seconds} s, ${o.runMs} ms runs`,
    "",
    `Placed ${placed.length} of ${total}; warm hits ${warm.length} (${((100 * warm.length) / Math.max(1, placed.length)).toFixed(1)} %), cold boots ${placed.length - warm.length}.`,
    "",
    "| placements | n | p50 ms (enqueue → accepted) | p99 ms |",
    "|---|---:|---:|---:|",
    row("all", placed),
    row(
      "warm, placed at once",
      warm.filter((p) => !p.waited),
    ),
    row(
      "waited for capacity",
      placed.filter((p) => p.waited),
    ),
    row(
      "cold boot",
      placed.filter((p) => !p.warm),
    ),
    "",
  ].join("\n");
}
