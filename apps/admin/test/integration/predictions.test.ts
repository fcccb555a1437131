import { CancelRequest } from "@gantry/contracts/jobs";
import { subjects } from "@gantry/contracts/subjects";
import { decode, encode } from "@gantry/platform/codec";
import { isTrackedEnvelope, TRPCError, type TrackedEnvelope } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdminEnv, startAdminEnv, storePrediction } from "../helpers.ts";

let env: AdminEnv;
beforeAll(async () => {
  env = await startAdminEnv();
});
afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();

describe("predictions.search", () => {
  it("filters by account, model, status and time, newest first, and pages with cursors", async () => {
    const d = env.deps;
    const a1 = await storePrediction(d, { account_id: "alice", created_at: at(1000), status: "succeeded" });
    const a2 = await storePrediction(d, { account_id: "alice", created_at: at(2000), model: "gantry/image" });
    const a3 = await storePrediction(d, { account_id: "alice", created_at: at(3000), status: "failed" });
    const b1 = await storePrediction(d, { account_id: "bob", created_at: at(2500) });
    const admin = env.caller();

    const all = await admin.predictions.search({ account: "alice" });
    expect(all.items.map((p) => p.id)).toEqual([a3.id, a2.id, a1.id]);
    expect(all.nextCursor).toBeNull();

    const everyone = await admin.predictions.search({ createdAfter: at(0), createdBefore: at(10_000) });
    expect(everyone.items.map((p) => p.id)).toEqual([a3.id, b1.id, a2.id, a1.id]);

    const images = await admin.predictions.search({ model: "gantry/image" });
    expect(images.items.map((p) => p.id)).toEqual([a2.id]);
    const ended = await admin.predictions.search({ account: "alice", status: ["succeeded", "failed"] });
    expect(ended.items.map((p) => p.id)).toEqual([a3.id, a1.id]);
    const window = await admin.predictions.search({ createdAfter: at(2000), createdBefore: at(3000) });
    expect(window.items.map((p) => p.id)).toEqual([b1.id, a2.id]);

    const page1 = await admin.predictions.search({ account: "alice", limit: 2 });
    expect(page1.items.map((p) => p.id)).toEqual([a3.id, a2.id]);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = await admin.predictions.search({ account: "alice", limit: 2, cursor: page1.nextCursor ?? "" });
    expect(page2.items.map((p) => p.id)).toEqual([a1.id]);
    expect(page2.nextCursor).toBeNull();
  });

  it("refuses bad input with the zod issues", async () => {
    const err = await env
      .caller()
      .predictions.search({ limit: 0 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe("BAD_REQUEST");
  });
});

describe("predictions.get", () => {
  it("shows input (secrets redacted), output, logs and timings", async () => {
    const r = await storePrediction(env.deps, {
      input: { tokens: 2, api_key: "sk-live" },
      secret_fields: ["api_key"],
      status: "succeeded",
      output: ["tok0", " tok1"],
      logs: "hello\n",
      started_at: at(500),
      created_at: at(0),
      completed_at: at(1500),
      metrics: { predict_time: 1, total_time: 1.5 },
    });
    const got = await env.caller().predictions.get({ id: r.id });
    expect(got).toMatchObject({
      id: r.id,
      input: { tokens: 2, api_key: "**********" },
      output: ["tok0", " tok1"],
      logs: "hello\n",
      queue_ms: 500,
      total_ms: 1500,
      predict_time: 1,
      webhooks: [],
    });
  });

  it("is NOT_FOUND for an unknown id, with the Gantry code", async () => {
    const err = (await env
      .caller()
      .predictions.get({ id: "z".repeat(26) })
      .catch((e: unknown) => e)) as TRPCError & { appCode?: string };
    expect(err.code).toBe("NOT_FOUND");
    expect(err.appCode).toBe("NOT_FOUND");
  });
});

describe("predictions.cancel", () => {
  it("cancels a running prediction and tells its agent", async () => {
    const r = await storePrediction(env.deps, { status: "processing", agent_id: "agent-7", started_at: at(0) });
    const asked: string[] = [];
    const agent = env.nc.subscribe(subjects.agentCancel("agent-7"), {
      callback: (_err, msg) => {
        asked.push(decode(CancelRequest, msg.data, "cancel").prediction_id);
        msg.respond(encode({ found: true }));
      },
    });
    const done = await env.caller().predictions.cancel({ id: r.id });
    agent.unsubscribe();
    expect(done.status).toBe("canceled");
    expect(asked).toEqual([r.id]);
    expect((await env.deps.store.get(r.id))?.record.status).toBe("canceled");
    // A finished prediction stays as it is.
    expect((await env.caller().predictions.cancel({ id: r.id })).status).toBe("canceled");
  });

  it("cancels a queued prediction (no agent yet)", async () => {
    const r = await storePrediction(env.deps);
    expect((await env.caller().predictions.cancel({ id: r.id })).status).toBe("canceled");
  });
});

describe("predictions.live", () => {
  it("yields every stored change, tracked by id and revision, filtered by account", async () => {
    const controller = new AbortController();
    const stream = await env.caller({}, controller.signal).predictions.live({ account: "carol" });
    const seen: { id: string; status: string; full: boolean }[] = [];
    const reading = (async () => {
      for await (const event of stream) {
        // A direct caller hands out the tracked envelope itself, `[id, data, symbol]`.
        if (!isTrackedEnvelope(event)) throw new Error("not a tracked event");
        const [eventId, data] = event as unknown as TrackedEnvelope<{ status: string; output?: unknown }>;
        seen.push({ id: eventId, status: data.status, full: "output" in data });
        if (data.status === "canceled") break;
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    await storePrediction(env.deps, { account_id: "someoneelse" });
    const r = await storePrediction(env.deps, { account_id: "carol" });
    const canceled = await env.deps.store.transition(r.id, { type: "cancel", at: new Date() });
    await reading;
    controller.abort();
    expect(seen.map((e) => e.status)).toEqual(["starting", "canceled"]);
    expect(seen.some((e) => e.full)).toBe(false); // table rows, not whole records
    expect(seen[1]?.id).toBe(`${r.id}:${canceled?.revision}`);
  });
});

describe("predictions.watch", () => {
  it("yields one prediction's changes in full", async () => {
    const r = await storePrediction(env.deps, { status: "processing", started_at: new Date().toISOString() });
    const controller = new AbortController();
    const stream = await env.caller({}, controller.signal).predictions.watch({ id: r.id });
    const outputs: unknown[] = [];
    const reading = (async () => {
      for await (const event of stream) {
        const [, data] = event as unknown as TrackedEnvelope<{ status: string; output?: unknown }>;
        outputs.push(data.output);
        if (data.status === "succeeded") break;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await env.deps.store.transition(r.id, { type: "progress", at: new Date(), output: ["a"], logs: "" });
    await env.deps.store.transition(r.id, {
      type: "complete",
      at: new Date(),
      status: "succeeded",
      output: ["a", "b"],
      logs: "",
      error: null,
      predictTimeS: 0.1,
    });
    await reading;
    controller.abort();
    expect(outputs).toEqual([["a"], ["a", "b"]]);
  });
});
