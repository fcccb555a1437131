import type { PredictionEvent } from "@gantry/contracts/events";
import { subjects } from "@gantry/contracts/subjects";
import { encode } from "@gantry/platform/codec";
import { silentLogger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { ensureTopology } from "@gantry/platform/topology";
import { predictionRecord } from "@gantry/testing/fixtures";
import { startNatsServer } from "@gantry/testing/nats-server";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";

describe("a stream reader that falls too far behind", () => {
  it("is dropped with a clear reason and resumes from where it was", async () => {
    await using nats = await startNatsServer();
    const nc = await connect(nats.connectOptions());
    const buckets = await ensureTopology(nc);
    const id = "slow0000000000000000000000";
    await new PredictionStore(buckets.predictions, nc).create(
      predictionRecord({
        id,
        version: "a".repeat(64),
        status: "processing",
        created_at: "2026-01-01T00:00:00.000Z",
        started_at: "2026-01-01T00:00:00.000Z",
        stream_token: "r8_capability",
      }),
    );
    const { app } = createApp({
      nc,
      buckets,
      signingSecret: "test-signing-secret",
      now: () => new Date(),
      newId: () => "unused",
      newToken: () => "unused",
      log: silentLogger,
      streamMaxLag: 5,
    });
    const js = jetstream(nc);
    const url = `/v1/streams/${id}/r8_capability`;
    const res = await app.request(url);
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    expect((await reader.read()).value).toBe(": hi\n\n");
    // The model produces 30 tokens while this reader reads nothing.
    for (let i = 0; i < 30; i++) {
      const ev: PredictionEvent = { type: "output", index: i, data: `t${i}` };
      await js.publish(subjects.events(id), encode(ev));
    }
    await new Promise((r) => setTimeout(r, 200));
    let text = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    // Whatever it had taken before falling behind, then the reason, then the end of the stream.
    expect(text).toMatch(
      /event: error\ndata: \{"detail":"reader too slow: \d+ events behind; reconnect with Last-Event-ID: \d+"\}\nid: \d+\n\n$/,
    );
    const delivered = [...text.matchAll(/data: (t\d+)\n/g)].map((m) => m[1]);
    expect(delivered.length).toBeLessThan(30);
    const resumeFrom = /event: error\n.*\nid: (\d+)/.exec(text)?.[1];
    const again = await app.request(url, { headers: { "last-event-id": resumeFrom ?? "" } });
    const more = again.body!.pipeThrough(new TextDecoderStream()).getReader();
    await more.read();
    const chunk = (await more.read()).value ?? "";
    expect(chunk).toContain(`data: t${delivered.length}\n`);
    await more.cancel();
    await nc.close();
  });
});
