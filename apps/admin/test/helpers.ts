import type { AgentHeartbeat } from "@gantry/contracts/agents";
import type { PredictionRecord } from "@gantry/contracts/prediction";
import { randomId } from "@gantry/platform/ids";
import { type Logger, silentLogger } from "@gantry/platform/logger";
import { DEFAULT_TOPOLOGY, ensureTopology } from "@gantry/platform/topology";
import { predictionRecord as baseRecord } from "@gantry/testing/fixtures";
import { type NatsServer, startNatsServer } from "@gantry/testing/nats-server";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { AdminDeps, Credentials } from "../src/server/context.ts";
import { createAdminDeps } from "../src/server/deps.ts";
import { appRouter } from "../src/server/router.ts";
import { createCallerFactory } from "../src/server/trpc.ts";

export const ADMIN_TOKEN = "admin-token-for-tests-0123456789";

const createCaller = createCallerFactory(appRouter);

export interface AdminEnv extends AsyncDisposable {
  nats: NatsServer;
  nc: NatsConnection;
  deps: AdminDeps;
  /** A caller with the given credentials (the admin's by default); `signal` ends its subscriptions. */
  caller(creds?: Partial<Credentials>, signal?: AbortSignal): ReturnType<typeof createCaller>;
}

/** A real nats-server, the platform's topology and the procedures' dependencies on it. */
export async function startAdminEnv(options: { log?: Logger; now?: () => Date } = {}): Promise<AdminEnv> {
  const nats = await startNatsServer();
  const nc = await connect(nats.connectOptions());
  await ensureTopology(nc, DEFAULT_TOPOLOGY);
  const deps = await createAdminDeps({
    nc,
    now: options.now ?? (() => new Date()),
    log: options.log ?? silentLogger,
    adminToken: ADMIN_TOKEN,
    topology: DEFAULT_TOPOLOGY,
  });
  return {
    nats,
    nc,
    deps,
    caller: (creds = {}, signal) =>
      createCaller({ ...deps, bearer: ADMIN_TOKEN, apiToken: null, ...creds }, signal ? { signal } : {}),
    async [Symbol.asyncDispose]() {
      deps.stop();
      await nc.close();
      await nats[Symbol.asyncDispose]();
    },
  };
}

export function predictionRecord(over: Partial<PredictionRecord> = {}): PredictionRecord {
  return baseRecord({ id: randomId(), account_id: "dev", input: { tokens: 3 }, ...over });
}

/** Stores a prediction and its index entry, as the gateway does. */
export async function storePrediction(
  deps: AdminDeps,
  over: Partial<PredictionRecord> = {},
): Promise<PredictionRecord> {
  const r = predictionRecord(over);
  await deps.store.create(r);
  await deps.buckets.predictionIndex.put(`${r.account_id}.${Date.parse(r.created_at)}.${r.id}`, "");
  return r;
}

export function heartbeat(over: Partial<AgentHeartbeat> = {}): AgentHeartbeat {
  return {
    agent_id: "agent-0",
    sku: "cpu",
    emulated: true,
    gpus: [],
    slots: 2,
    instances: [],
    at: new Date().toISOString(),
    ...over,
  };
}
