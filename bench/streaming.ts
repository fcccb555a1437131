import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { STREAMS } from "@gantry/contracts/subjects";
import { startNatsServer } from "@gantry/testing/nats-server";
import { startStack } from "@gantry/testing/stack";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { percentile } from "./stats.ts";

const now = () => performance.timeOrigin + performance.now();

interface Options {
  readers: number;
  predictions: number;
  tokensPerSecond: number;
  tokens: number;
  /** How the readers follow: server-sent events (default) or one WebSocket each. */
  via?: "sse" | "ws";
}

/**
 * Token fan-out: `readers` concurrent SSE (or WebSocket) readers spread over `predictions` streaming predictions,
 * each emitting `tokensPerSecond`. Token latency runs from the agent's publish (the JetStream
 * timestamp of the event) to the reader's receipt; a raw JetStream subscriber on the same events,
 * in the same process, is the baseline.
 */
export async function benchStreaming(o: Options): Promise<string> {
  const via = o.via ?? "sse";
  await using nats = await startNatsServer();
  const token = "r8_bench_token";
  await using stack = await startStack({
    nats,
    devToken: token,
    env: { GANTRY_RATE_LIMIT_CREATE: "0" },
    ...(process.env.BENCH_PROFILE ? { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] } : {}),
  });
  const gatewayPid = stack.processes.get("gateway")?.pid ?? 0;
  const rss = async () => {
    const { readFile } = await import("node:fs/promises");
    const status = await readFile(`/proc/${gatewayPid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  };
  const api = (path: string, body: unknown) =>
    fetch(`${stack.baseUrl}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then((r) => r.json() as Promise<{ id: string; urls: { stream: string } }>);
  await api("/v1/models/gantry/test/predictions", { input: { tokens: 1 } }); // boot the model
  await new Promise((r) => setTimeout(r, 1500));
  const rssBefore = await rss();

  // Baseline: one raw subscriber on every event, recording receipt time by stream sequence.
  const nc = await connect({ ...nats.connectOptions(), noAsyncTraces: true });
  const published = new Map<number, number>();
  const rawLatency: number[] = [];
  const raw = await jetstream(nc).consumers.get(STREAMS.events.name, { deliver_policy: DeliverPolicy.New });
  const rawMsgs = await raw.consume();
  void (async () => {
    for await (const m of rawMsgs) {
      const t = m.info.timestampNanos / 1e6;
      published.set(m.seq, t);
      rawLatency.push(now() - t);
    }
  })();

  const delay = Math.round(1000 / o.tokensPerSecond);
  const preds = await Promise.all(
    Array.from({ length: o.predictions }, () =>
      api("/v1/models/gantry/test/predictions", { input: { tokens: o.tokens, token_delay_ms: delay, sleep_ms: 2000 } }),
    ),
  );
  let peakRss = rssBefore;
  const sampler = setInterval(() => void rss().then((v) => (peakRss = Math.max(peakRss, v))), 250);
  // The readers run in their own process, so their work does not skew the baseline subscriber.
  const child = fork(fileURLToPath(new URL("./sse-readers.ts", import.meta.url)), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  child.send({ urls: preds.map((p) => p.urls.stream), readers: o.readers, via });
  const result = await new Promise<{ seqs: number[]; times: number[]; seconds: number }>((resolve, reject) => {
    child.once("message", (m) => resolve(m as { seqs: number[]; times: number[]; seconds: number }));
    child.once("exit", (code) => reject(new Error(`SSE readers exited with ${code}`)));
  }).finally(() => clearInterval(sampler));
  child.kill();
  const receipts = result.seqs.map((seq, i) => ({ seq, at: result.times[i] ?? 0 }));
  const delivered = receipts.length;
  const seconds = result.seconds;
  await rawMsgs.close();
  await nc.close();
  const sseLatency = receipts.flatMap((r) => {
    const t = published.get(r.seq);
    return t === undefined ? [] : [r.at - t];
  });
  const lines = [
    `### ${via === "ws" ? "WebSocket" : "SSE"} fan-out: ${o.readers} readers over ${o.predictions} predictions, ${o.tokensPerSecond} tokens/s each (${o.tokens} tokens)`,
    "",
    "| path | events | p50 ms | p99 ms | delivered/s |",
    "|---|---:|---:|---:|---:|",
    `| raw JetStream subscriber (baseline) | ${rawLatency.length} | ${percentile(rawLatency, 50).toFixed(2)} | ${percentile(rawLatency, 99).toFixed(2)} | ${Math.round(rawLatency.length / seconds)} |`,
    `| ${via === "ws" ? "WebSocket" : "SSE"} reader (agent publish → client receipt) | ${sseLatency.length} | ${percentile(sseLatency, 50).toFixed(2)} | ${percentile(sseLatency, 99).toFixed(2)} | ${Math.round(delivered / seconds)} |`,
    "",
    `Gateway RSS: ${rssBefore.toFixed(0)} MiB before, ${peakRss.toFixed(0)} MiB peak with ${o.readers} readers.`,
    "",
  ];
  return lines.join("\n");
}
