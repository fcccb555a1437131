import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { DEFAULT_TOPOLOGY, ensureTopology } from "@gantry/platform/topology";
import { type NatsServer, startNatsServer } from "@gantry/testing/nats-server";
import { REPO_ROOT } from "@gantry/testing/stack";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { readPosition } from "../../src/ingest.ts";
import { mulberry32 } from "../random.ts";
import { directTotals, genEvents, genPrices, totalsOf } from "../usage-gen.ts";
import { lastSeq, publishEvents, readLedgers, readLineItems, sorted, waitForPosition } from "./harness.ts";

/** Billing as it runs in production: its own process and NATS identity, `main.ts`, configured by environment. */
function spawnBilling(nats: NatsServer, prices: unknown, output: string[]): ChildProcess {
  const proc = spawn(process.execPath, ["--import", "tsx", "apps/billing/src/main.ts"], {
    cwd: REPO_ROOT,
    env: { ...nats.serviceEnv("billing"), GANTRY_PRICES: JSON.stringify(prices), GANTRY_BILLING_BATCH: "100" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  proc.stderr?.on("data", (d: Buffer) => output.push(d.toString()));
  return proc;
}

const killed = (proc: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once("exit", () => resolve());
    proc.kill("SIGKILL");
  });

describe("billing survives kill -9 of itself and of nats-server", () => {
  it("totals stay exact", async () => {
    await using nats = await startNatsServer();
    const nc = await connect({ ...nats.connectOptions(), maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const buckets = await ensureTopology(nc, DEFAULT_TOPOLOGY);
    const js = jetstream(nc);
    const rng = mulberry32(11);
    // The catalog's prices and a few changes; main.ts adds them to the catalog's (same entries).
    const prices = genPrices(rng);
    const events = genEvents(rng, 12_000);
    const output: string[] = [];

    await publishEvents(js, rng, events.slice(0, 8000), 0.05);
    const first = spawnBilling(nats, prices, output);
    // Kill it mid-ingest: some batches applied, most not.
    for (let at = 0; at < 1000; at = await readPosition(buckets.ledger)) await sleep(10);
    await killed(first);
    const stoppedAt = await readPosition(buckets.ledger);
    expect(stoppedAt).toBeLessThan(await lastSeq(nc));

    const second = spawnBilling(nats, prices, output);
    await publishEvents(js, rng, events.slice(6000), 0.05);
    // Now the server: SIGKILL while billing is writing, then start it again on the same store.
    for (let at = stoppedAt; at < stoppedAt + 1000; at = await readPosition(buckets.ledger)) await sleep(10);
    await nats.kill();
    await sleep(300);
    await nats.restart();

    try {
      await waitForPosition(buckets.ledger, await lastSeq(nc), 90_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${output.join("").slice(-3000)}`);
    }
    expect(sorted(totalsOf(await readLedgers(buckets.ledger)))).toEqual(sorted(directTotals(prices, events)));
    const items = await readLineItems(buckets.lineItems);
    expect(items.length).toBe(events.filter((e) => e.kind === "predict").length);
    expect(new Set(items.map((i) => i.seq)).size).toBe(items.length);
    await killed(second);
    await nc.close();
  }, 120_000);
});
