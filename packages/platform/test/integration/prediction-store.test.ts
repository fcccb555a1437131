import { PredictionChanged } from "@gantry/contracts/events";
import type { PredictionRecord } from "@gantry/contracts/prediction";
import { subjects } from "@gantry/contracts/subjects";
import { predictionRecord } from "@gantry/testing/fixtures";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { decode } from "../../src/codec.ts";
import { ENDED_HEADER, PredictionStore } from "../../src/prediction-store.ts";
import { ensureTopology } from "../../src/topology.ts";

const record = (id: string): PredictionRecord =>
  predictionRecord({ id, version: "a".repeat(64), created_at: "2026-01-01T00:00:00.000Z" });

describe("PredictionStore on a real nats-server", () => {
  it("racing writers never lose an update: exactly one terminal state wins", async () => {
    await using nats = await startNatsServer();
    const a = await connect(nats.connectOptions());
    const b = await connect(nats.connectOptions());
    const storeA = new PredictionStore((await ensureTopology(a)).predictions, a);
    const storeB = new PredictionStore((await ensureTopology(b)).predictions, b);
    const ids = Array.from({ length: 20 }, (_, i) => `race${String(i).padStart(22, "0")}`);
    for (const id of ids) await storeA.create(record(id));
    const at = new Date("2026-01-01T00:00:01.000Z");
    const results = await Promise.all(
      ids.flatMap((id) => [
        storeA.transition(id, {
          type: "complete",
          at,
          status: "succeeded",
          output: ["x"],
          logs: "",
          error: null,
          predictTimeS: 1,
        }),
        storeB.transition(id, { type: "cancel", at }),
      ]),
    );
    for (const id of ids) {
      const stored = await storeA.get(id);
      expect(["succeeded", "canceled"]).toContain(stored?.record.status);
    }
    // Each pair has exactly one writer that changed the record.
    for (let i = 0; i < ids.length; i++) {
      const changed = [results[2 * i]?.changed, results[2 * i + 1]?.changed].filter(Boolean);
      expect(changed).toHaveLength(1);
    }
    await a.close();
    await b.close();
  });

  it("announces every change with the new record and its revision", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const store = new PredictionStore((await ensureTopology(nc)).predictions, nc);
    const id = "notice0000000000000000000a";
    const sub = nc.subscribe(subjects.changed(id), { max: 3 });
    await nc.flush();
    await store.create(record(id));
    await store.transition(id, { type: "start", at: new Date("2026-01-01T00:00:00.500Z") });
    await store.transition(id, { type: "cancel", at: new Date("2026-01-01T00:00:01.000Z") });
    const seen: PredictionChanged[] = [];
    const ended: (string | undefined)[] = [];
    for await (const m of sub) {
      seen.push(decode(PredictionChanged, m.data, "notice"));
      ended.push(m.headers?.get(ENDED_HEADER) || undefined);
    }
    expect(seen.map((s) => s.record.status)).toEqual(["starting", "processing", "canceled"]);
    expect(seen[1]!.revision).toBeGreaterThan(seen[0]!.revision);
    // Subscribers that want only ends (metrics, the canary judge) tell them by a header.
    expect(ended).toEqual([undefined, undefined, "1"]);
    await nc.close();
  });

  it("keeps records across a kill -9 of nats-server", async () => {
    await using nats = await startNatsServer();
    let nc = await connect(nats.connectOptions());
    const store = new PredictionStore((await ensureTopology(nc)).predictions, nc);
    const id = "durable000000000000000000a";
    await store.create(record(id));
    await nc.close();
    await nats.kill();
    await nats.restart();
    nc = await connect(nats.connectOptions());
    const again = new PredictionStore((await ensureTopology(nc)).predictions, nc);
    expect((await again.get(id))?.record.status).toBe("starting");
    await nc.close();
  });
});
