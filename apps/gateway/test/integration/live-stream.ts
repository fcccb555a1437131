import { silentLogger } from "@gantry/platform/logger";
import { PredictionStore } from "@gantry/platform/prediction-store";
import type { Buckets } from "@gantry/platform/topology";
import { predictionRecord } from "@gantry/testing/fixtures";
import type { NatsConnection } from "@nats-io/nats-core";
import { createApp } from "../../src/app.ts";
import type { GatewayDeps } from "../../src/deps.ts";

/** Stores a prediction that is running, whose stream capability is `r8_capability`. */
export async function storeLivePrediction(nc: NatsConnection, buckets: Buckets, id: string): Promise<void> {
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
}

/** A gateway app on the given connection, with test settings and `extra` on top. */
export function testGatewayApp(nc: NatsConnection, buckets: Buckets, extra: Partial<GatewayDeps> = {}) {
  return createApp({
    nc,
    buckets,
    signingSecret: "test-signing-secret",
    now: () => new Date(),
    newId: () => "unused",
    newToken: () => "unused",
    log: silentLogger,
    ...extra,
  });
}
