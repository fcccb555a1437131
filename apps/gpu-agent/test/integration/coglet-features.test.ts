import { CancelReply } from "@gantry/contracts/jobs";
import { subjects } from "@gantry/contracts/subjects";
import { decode, encode } from "@gantry/platform/codec";
import { describe, expect, it } from "vitest";
import { allEvents, cogletRuntime, createAnswers } from "./coglet-harness.ts";
import { startAgent } from "./harness.ts";

/**
 * What coglet adds to a prediction (cog-http-protocol.md §1.3, §2.5, §3, §4): `record_metric`
 * values, `Secret` inputs, SSE for `@cog.streaming` models, and the W3C trace context.
 */

describe("coglet features", () => {
  it("record_metric values show in the prediction's metrics, next to the platform's predict_time", async () => {
    const t = await startAgent();
    try {
      const o = { model: "coglet", runtime: cogletRuntime() };
      const { id } = await t.run({ prompt: "m", n_tokens: 3, delay: 0.01, metric: 0.75 }, o);
      const rec = await t.finished(id);
      expect(rec.status).toBe("succeeded");
      expect(rec.metrics).toEqual({
        score: 0.75,
        "tokens.count": 3,
        predict_time: expect.any(Number),
        total_time: expect.any(Number),
      });
      // Not the model's own predict_time: the agent's measure, which is what is billed.
      expect(createAnswers(t, id)).toEqual(["202"]);
    } finally {
      await t.close();
    }
  });

  it("a Secret input reaches the model but never the stored logs, errors or stream", async () => {
    const t = await startAgent();
    try {
      const key = "sk-live-0123456789";
      const o = { model: "coglet", runtime: cogletRuntime() };
      const { id } = await t.run({ prompt: "s", n_tokens: 3, delay: 0.01, fail: true, api_key: key }, o);
      const rec = await t.finished(id);
      expect(rec.status).toBe("failed");
      expect(rec.logs).toContain("predict: calling the API with key **********\n");
      expect(rec.logs).not.toContain(key);
      const streamed = (await t.events(id)).flatMap((e) => (e.type === "logs" ? [e.data] : [])).join("");
      expect(streamed).toContain("key **********");
      expect(streamed).not.toContain(key);
      // Once ended, the stored input keeps no secret either (shown redacted all along).
      expect(rec.input).toEqual({ prompt: "s", n_tokens: 3, delay: 0.01, fail: true, api_key: "**********" });
      // The model server printed the real value: it got it.
      expect(t.agent.instances()[0]?.output).toContain(`with key ${key}`);
    } finally {
      await t.close();
    }
  });

  it("a 422 that echoes a Secret is stored without it", async () => {
    const t = await startAgent();
    try {
      // No prompt: the fixture answers 422 with the input in its detail (as pydantic 2 does);
      // the agent's error quotes the server's answer.
      const key = "sk-live-0123456789";
      const o = { model: "coglet", runtime: cogletRuntime() };
      const { id } = await t.run({ api_key: key }, o);
      const rec = await t.finished(id);
      expect(rec.status).toBe("failed");
      expect(rec.error).toMatch(/^The model rejected the input: .*"api_key":"\*{10}"/);
      expect(createAnswers(t, id)).toEqual(["422"]);
      expect(rec.error).not.toContain(key);
      expect(rec.input).toEqual({ api_key: "**********" });
    } finally {
      await t.close();
    }
  });

  it("a @cog.streaming model streams over SSE: tokens in order, metrics, and one end", async () => {
    const t = await startAgent();
    try {
      const o = { model: "coglet", runtime: cogletRuntime({ streaming: true }) };
      const { id } = await t.run({ prompt: "sse", n_tokens: 6, delay: 0.02, metric: 2 }, o);
      const rec = await t.finished(id);
      expect(rec).toMatchObject({
        status: "succeeded",
        output: ["tok0 ", "tok1 ", "tok2 ", "tok3 ", "tok4 ", "tok5 "],
      });
      expect(rec.logs).toBe('predict: prompt="sse"\npredict: finished\n');
      expect(rec.metrics).toMatchObject({ score: 2, "tokens.count": 6 });
      // The create was answered with the event stream (200), not a 202 and webhooks.
      expect(createAnswers(t, id)).toEqual(["200"]);
      const events = await allEvents(t, id);
      expect(events.flatMap((e) => (e.type === "output" ? [e.data] : []))).toEqual(rec.output);
      expect(events.filter((e) => e.type === "done")).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it("a server whose schema says x-cog-streaming but answers 406 is followed by webhooks instead", async () => {
    const t = await startAgent();
    try {
      const o = { model: "coglet", runtime: cogletRuntime({ streaming: true, flags: ["--refuse-sse"] }) };
      const { id } = await t.run({ prompt: "f", n_tokens: 3, delay: 0.01 }, o);
      expect(await t.finished(id)).toMatchObject({ status: "succeeded", output: ["tok0 ", "tok1 ", "tok2 "] });
      expect(createAnswers(t, id)).toEqual(["406", "202"]);
    } finally {
      await t.close();
    }
  });

  it("a canceled SSE prediction ends canceled once, its partial output kept", async () => {
    const t = await startAgent();
    try {
      const o = { model: "coglet", runtime: cogletRuntime({ streaming: true }) };
      const { id } = await t.run({ prompt: "c", n_tokens: 500, delay: 0.02 }, o);
      await t.waitFor(id, (r) => Array.isArray(r.output) && r.output.length > 0, "streaming");
      const res = await t.nc.request(subjects.agentCancel(t.agentId), encode({ prediction_id: id }), { timeout: 5000 });
      expect(decode(CancelReply, res.data, "cancel")).toEqual({ found: true });
      const rec = await t.finished(id);
      expect(rec.status).toBe("canceled");
      expect((rec.output as string[]).length).toBeGreaterThan(0);
      const events = await allEvents(t, id);
      expect(events.flatMap((e) => (e.type === "output" ? [e.data] : []))).toEqual(rec.output);
      expect(events.filter((e) => e.type === "done")).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it("the run request's traceparent reaches the model server", async () => {
    const t = await startAgent();
    try {
      const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
      const o = { model: "coglet", runtime: cogletRuntime({ streaming: true }), traceparent };
      const { id } = await t.run({ prompt: "t", n_tokens: 1, delay: 0 }, o);
      const rec = await t.finished(id);
      expect(rec.logs).toContain(`predict: traceparent=${traceparent}\n`);
      // And through a webhook-following create.
      const plain = await t.run(
        { prompt: "t", n_tokens: 1, delay: 0 },
        { ...o, version: "coglet-plain", runtime: cogletRuntime() },
      );
      expect((await t.finished(plain.id)).logs).toContain(`predict: traceparent=${traceparent}\n`);
    } finally {
      await t.close();
    }
  });
});
