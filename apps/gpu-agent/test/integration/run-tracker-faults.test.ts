import { FileRecord } from "@gantry/contracts/files";
import { MAX_ERROR_BYTES, MAX_INLINE_OUTPUT_BYTES, MAX_LOGS_BYTES } from "@gantry/contracts/record-limits";
import { STREAMS } from "@gantry/contracts/subjects";
import { UsageEvent } from "@gantry/contracts/usage";
import { decode } from "@gantry/platform/codec";
import { randomId } from "@gantry/platform/ids";
import { silentLogger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { ensureTopology, openTopology } from "@gantry/platform/topology";
import { predictionRecord } from "@gantry/testing/fixtures";
import { startNatsServer } from "@gantry/testing/nats-server";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { OutputFiles } from "../../src/output-files.ts";
import { RunTracker, START_WRITE_DELAY_MS } from "../../src/run-tracker.ts";

/** A real nats-server, and a tracker of one prediction connected as the agent, on a clock the test moves. */
async function setup() {
  const nats = await startNatsServer();
  const nc = await connect(nats.connectOptions());
  await ensureTopology(nc);
  const agentNc: NatsConnection = await connect({
    ...nats.connectOptions("agent"),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 50,
  });
  const buckets = await openTopology(agentNc, { identity: "agent", log: silentLogger });
  const store = new PredictionStore(buckets.predictions, agentNc);
  let clock = Date.parse("2026-01-01T00:00:00Z");
  const now = () => new Date(clock);
  const id = randomId();
  await new PredictionStore(buckets.predictions, nc).create(
    predictionRecord({ id, account_id: "acct", model: "gantry/test", streams: false }),
  );
  const tracker = new RunTracker({
    predictionId: id,
    accountId: "acct",
    model: "gantry/test",
    versionId: "a".repeat(64),
    agentId: "it-agent",
    hardware: "cpu",
    streams: false,
    billing: "predict",
    deployment: null,
    store,
    js: jetstream(agentNc),
    log: silentLogger,
    now,
    progressIntervalMs: 0,
    files: new OutputFiles(
      {
        objects: buckets.objects,
        files: buckets.files,
        secret: "s".repeat(32),
        publicUrl: "http://api.test",
        retentionMs: 3_600_000,
        maxBytes: 1024 * 1024,
        now,
      },
      "acct",
      id,
    ),
  });
  const stored = () => new PredictionStore(buckets.predictions, nc).get(id);
  const record = async () => (await stored())?.record;
  const usage = async () => {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(STREAMS.usage.name);
    const out: UsageEvent[] = [];
    for (let seq = info.state.first_seq; info.state.messages > 0 && seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(STREAMS.usage.name, { seq });
      if (m) out.push(decode(UsageEvent, m.data, "usage"));
    }
    return out;
  };
  return {
    nats,
    id,
    nc,
    buckets,
    tracker,
    stored,
    record,
    usage,
    advance: (ms: number) => {
      clock += ms;
    },
    async [Symbol.asyncDispose]() {
      await agentNc.close();
      await nc.close();
      const refused = nats.violations();
      await nats[Symbol.asyncDispose]();
      if (refused.length > 0) throw new Error(`NATS refused the agent:\n${refused.join("\n")}`);
    },
  };
}

describe("the start of a prediction", () => {
  it("a prediction that ends at once is stored once, at its end, as started and run by this agent", async () => {
    await using t = await setup();
    const before = (await t.stored())?.revision ?? 0;
    t.tracker.started();
    t.advance(5);
    await t.tracker.snapshot({ status: "succeeded", output: ["tok0"], logs: "", error: null });
    // Past the start's delay: nothing more is written.
    await new Promise((r) => setTimeout(r, START_WRITE_DELAY_MS * 3));
    const after = await t.stored();
    expect(after?.revision).toBe(before + 1);
    expect(after?.record).toMatchObject({ status: "succeeded", agent_id: "it-agent", output: ["tok0"] });
    expect(after?.record.started_at).toBe("2026-01-01T00:00:00.000Z");
    expect(after?.record.metrics.predict_time).toBe(0.005);
  });

  it("a prediction still running after the start's delay shows processing; one canceled before it started is stopped", async () => {
    await using t = await setup();
    t.tracker.started();
    await expect.poll(async () => (await t.record())?.status, { timeout: 5000 }).toBe("processing");
    expect((await t.record())?.agent_id).toBe("it-agent");

    await using u = await setup();
    await new PredictionStore(u.buckets.predictions, u.nc).transition(u.id, { type: "cancel", at: new Date() });
    let stopped = false;
    u.tracker.started(undefined, () => {
      stopped = true;
    });
    await expect.poll(() => stopped, { timeout: 5000 }).toBe(true);
    expect((await u.record())?.status).toBe("canceled");
  });
});

describe("the end of a prediction, whatever happens on the way", () => {
  it("a result too large for its record (NATS max_payload) ends anyway: output as a file, logs and error cut", async () => {
    await using t = await setup();
    t.tracker.started();
    t.advance(800);
    // ~400 KB of output, ~300 KB of logs, a 300 KB error: over 1 MiB together.
    const output = Array.from({ length: 40_000 }, (_, i) => `tok${i} `);
    const logs = "log line\n".repeat(33_000);
    await t.tracker.snapshot({ status: "failed", output, logs, error: "E".repeat(300_000) });
    const rec = await t.record();
    expect(rec?.status).toBe("failed");
    expect(rec?.metrics.predict_time).toBe(0.8);

    // The output is a stored JSON file of the account, holding exactly what the model returned.
    const url = new URL(String(rec?.output));
    const fileId = /^\/v1\/files\/([a-z0-9]{26})\/download$/.exec(url.pathname)?.[1] ?? "";
    expect(`${url.origin}${url.pathname}`).toBe(`http://api.test/v1/files/${fileId}/download`);
    const file = decode(FileRecord, (await t.buckets.files.get(fileId))?.value ?? new Uint8Array(), "file");
    expect(file).toMatchObject({ account_id: "acct", content_type: "application/json" });
    expect(file.size).toBeGreaterThan(MAX_INLINE_OUTPUT_BYTES);
    const bytes = (await t.buckets.objects.getBlob(fileId)) ?? new Uint8Array();
    expect(JSON.parse(new TextDecoder().decode(bytes))).toEqual(output);

    // Logs and error: their head, then how much was left out.
    const size = (s: string | null | undefined) => new TextEncoder().encode(s ?? "").length;
    expect(rec?.logs.startsWith("log line\nlog line\n")).toBe(true);
    expect(rec?.logs).toMatch(/\n\[logs truncated: \d+ more bytes not stored\]\n$/);
    expect(size(rec?.logs)).toBeLessThan(MAX_LOGS_BYTES + 100);
    expect(rec?.error).toMatch(/^E+… \[\d+ more bytes not stored\]$/);
    expect(size(rec?.error)).toBeLessThan(MAX_ERROR_BYTES + 100);

    // Billed once, its predict time.
    expect(await t.usage()).toMatchObject([{ kind: "predict", predict_ms: 800 }]);
  });

  it("NATS killed as the model finishes: the end is retried until stored, billed the model's time, not the outage", async () => {
    await using t = await setup();
    t.tracker.started();
    t.advance(800);
    await t.nats.kill();
    // The model's terminal webhook comes while NATS is away; the outage lasts (on the agent's clock).
    const ended = t.tracker.snapshot({ status: "succeeded", output: ["tok0"], logs: "done\n", error: null });
    t.advance(5_000);
    await t.nats.restart();
    await ended;
    const rec = await t.record();
    expect(rec).toMatchObject({ status: "succeeded", output: ["tok0"], logs: "done\n" });
    expect(rec?.metrics.predict_time).toBe(0.8);
    expect(await t.usage()).toMatchObject([{ kind: "predict", predict_ms: 800 }]);
  });
});
