import type { DeploymentRecord } from "@gantry/contracts/deployments";
import type { WorkItem } from "@gantry/contracts/jobs";
import { subjects } from "@gantry/contracts/subjects";
import { DEMO_MODELS } from "@gantry/demo-models/catalog";
import { encode } from "@gantry/platform/codec";
import { randomId } from "@gantry/platform/ids";
import { seed } from "@gantry/platform/seed";
import { demoSeedModels } from "@gantry/testing/stack";
import { jetstream } from "@nats-io/jetstream";
import type { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdminEnv, heartbeat, startAdminEnv } from "../helpers.ts";

let env: AdminEnv;
let versions: Record<string, string>;
beforeAll(async () => {
  env = await startAdminEnv();
  ({ versions } = await seed(env.deps.registry, {
    devToken: "r8_ops_test",
    devUsername: "dev",
    models: demoSeedModels(),
    now: new Date(),
  }));
});
afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

describe("agents.list", () => {
  it("shows hardware, slots, instances with their model, state, utilization and boot time", async () => {
    const version = versions["gantry/test"] ?? "";
    const booted = new Date(Date.now() - 30_000).toISOString();
    await env.deps.buckets.agents.put(
      "agent-0",
      encode(
        heartbeat({
          instances: [{ version_id: version, state: "busy", concurrency: 4, running: 1, booted_at: booted }],
        }),
      ),
    );
    await env.deps.buckets.agents.put(
      "agent-old",
      encode(heartbeat({ agent_id: "agent-old", at: new Date(Date.now() - 60_000).toISOString() })),
    );
    const agents = await env.caller().agents.list();
    expect(agents.map((a) => [a.agent_id, a.stale])).toEqual([
      ["agent-0", false],
      ["agent-old", true],
    ]);
    expect(agents[0]).toMatchObject({
      sku: "cpu",
      slots: 2,
      slots_used: 1,
      running: 1,
      capacity: 4,
      utilization: 0.25,
    });
    expect(agents[0]?.instances[0]).toMatchObject({ model: "gantry/test", state: "busy", booted_at: booted });
    expect(agents[0]?.instances[0]?.up_s).toBeGreaterThanOrEqual(29);
  });
});

describe("queues", () => {
  it("lists depth per SKU and the oldest wait, and samples depth over time", async () => {
    const js = jetstream(env.nc);
    const enqueue = async (hardware: string, agoMs: number) => {
      const item: WorkItem = {
        prediction_id: randomId(),
        account_id: "dev",
        model: "gantry/test",
        version_id: "c".repeat(64),
        hardware,
        streams: true,
        input: {},
        deadline: null,
        enqueued_at: new Date(Date.now() - agoMs).toISOString(),
      };
      await js.publish(subjects.work(hardware), encode(item), { msgID: item.prediction_id });
    };
    await enqueue("cpu", 9000);
    await enqueue("gpu-t4", 5000);
    await enqueue("cpu", 1000);
    await enqueue("cpu", 500);
    const { queues, consumer } = await env.caller().queues.list();
    expect(queues.map((q) => [q.sku, q.depth])).toEqual([
      ["cpu", 3],
      ["gpu-t4", 1],
    ]);
    expect(queues[0]?.oldest_wait_ms).toBeGreaterThanOrEqual(9000);
    expect(queues[1]?.oldest_wait_ms).toBeGreaterThanOrEqual(5000);
    expect(queues[1]?.oldest_wait_ms).toBeLessThan(9000);
    expect(consumer).toBeNull(); // no scheduler in this test

    await env.deps.queues.sample();
    const history = await env.caller().queues.history({ minutes: 5 });
    expect(history.at(-1)?.depth).toEqual({ cpu: 3, "gpu-t4": 1 });
  });
});

describe("models and deployments", () => {
  it("lists every model with its versions", async () => {
    const models = await env.caller().models.list();
    expect(models.map((m) => `${m.owner}/${m.name}`)).toEqual(DEMO_MODELS.map((m) => `${m.owner}/${m.name}`).sort());
    const test = models.find((m) => m.name === "test");
    expect(test?.latest_version_id).toBe(versions["gantry/test"]);
    expect(test?.versions.map((v) => v.id)).toEqual([versions["gantry/test"]]);
  });

  it("sets min/max instances as a new release, compare-and-set", async () => {
    const now = new Date().toISOString();
    const record: DeploymentRecord = {
      owner: "dev",
      name: "my-test",
      account_id: "dev",
      model: "gantry/test",
      version: versions["gantry/test"] ?? "",
      hardware: "cpu",
      min_instances: 0,
      max_instances: 1,
      release: 1,
      release_created_at: now,
      created_at: now,
    };
    await env.deps.buckets.deployments.put("dev/my-test", encode(record));
    const admin = env.caller();
    const updated = await admin.deployments.setScale({
      owner: "dev",
      name: "my-test",
      min_instances: 1,
      max_instances: 3,
    });
    expect(updated).toMatchObject({ min_instances: 1, max_instances: 3, release: 2 });
    // Concurrent edits both land, one release each.
    await Promise.all([
      admin.deployments.setScale({ owner: "dev", name: "my-test", min_instances: 2, max_instances: 3 }),
      admin.deployments.setScale({ owner: "dev", name: "my-test", min_instances: 2, max_instances: 4 }),
    ]);
    const [stored] = await admin.deployments.list();
    expect(stored?.release).toBe(4);

    const bad = (await admin.deployments
      .setScale({ owner: "dev", name: "my-test", min_instances: 4, max_instances: 2 })
      .catch((e: unknown) => e)) as TRPCError;
    expect(bad.code).toBe("BAD_REQUEST");
    const missing = (await admin.deployments
      .setScale({ owner: "dev", name: "nope", min_instances: 0, max_instances: 1 })
      .catch((e: unknown) => e)) as TRPCError;
    expect(missing.code).toBe("NOT_FOUND");
  });
});
