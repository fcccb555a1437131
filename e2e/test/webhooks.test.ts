import { type Prediction, validateWebhook } from "replicate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";
import { startReceiver } from "./webhook-receiver.ts";

let p: Platform;
let secret: string;
beforeAll(async () => {
  p = await startPlatform();
  secret = (await p.replicate.webhooks.default.secret.get()).key;
});
afterAll(async () => {
  await p?.close();
});

const parse = (body: string) => JSON.parse(body) as Prediction;

describe("webhooks to a real receiver", () => {
  it("sends start, throttled output/logs and completed last, each signed as validateWebhook expects", async () => {
    const receiver = await startReceiver();
    try {
      const prediction = await p.replicate.predictions.create({
        model: "gantry/test",
        input: { tokens: 8, token_delay_ms: 150, log_lines: 1 },
        webhook: receiver.url,
        webhook_events_filter: ["start", "output", "logs", "completed"],
      });
      await receiver.until((r) => r.some((x) => parse(x.body).status === "succeeded"));
      const bodies = receiver.received.map((r) => parse(r.body));
      expect(bodies[0]?.status).toBe("processing");
      expect(bodies.at(-1)).toMatchObject({ id: prediction.id, status: "succeeded", output: expect.any(Array) });
      expect((bodies.at(-1)!.output as string[]).join("")).toBe("tok0 tok1 tok2 tok3 tok4 tok5 tok6 tok7");
      // Progress deliveries after the first are at least ~500 ms apart.
      const progress = receiver.received.slice(1, -1);
      for (let i = 1; i < progress.length; i++) {
        expect(progress[i]!.at - progress[i - 1]!.at).toBeGreaterThanOrEqual(400);
      }
      expect(receiver.received.length).toBeLessThan(8);
      for (const r of receiver.received) {
        const valid = await validateWebhook({
          id: String(r.headers["webhook-id"]),
          timestamp: String(r.headers["webhook-timestamp"]),
          signature: String(r.headers["webhook-signature"]),
          body: r.body,
          secret,
        });
        expect(valid).toBe(true);
      }
      // The body is the prediction exactly as GET shows it (the final one).
      const got = await p.replicate.predictions.get(prediction.id);
      expect(bodies.at(-1)).toEqual(got);
    } finally {
      await receiver.close();
    }
  });

  it("honours the filter: completed only means one delivery", async () => {
    const receiver = await startReceiver();
    try {
      await p.replicate.predictions.create({
        model: "gantry/test",
        input: { tokens: 3, token_delay_ms: 100 },
        webhook: receiver.url,
        webhook_events_filter: ["completed"],
      });
      await receiver.until((r) => r.length >= 1);
      await new Promise((r) => setTimeout(r, 700));
      expect(receiver.received).toHaveLength(1);
      expect(parse(receiver.received[0]!.body).status).toBe("succeeded");
    } finally {
      await receiver.close();
    }
  });

  it("retries the terminal webhook after failures, with the same webhook-id, and logs each attempt", async () => {
    const receiver = await startReceiver(2);
    try {
      const prediction = await p.replicate.predictions.create({
        model: "gantry/test",
        input: { tokens: 1 },
        webhook: receiver.url,
        webhook_events_filter: ["completed"],
      });
      await receiver.until((r) => r.length >= 3);
      const ids = receiver.received.map((r) => r.headers["webhook-id"]);
      expect(new Set(ids).size).toBe(1);
      expect(receiver.received[2]!.at - receiver.received[0]!.at).toBeGreaterThanOrEqual(2500);
      let log: { results: { attempt: number; status: number; event: string }[] } = { results: [] };
      for (let i = 0; i < 20 && log.results.length < 3; i++) {
        log = (await (await p.api(`/v1/predictions/${prediction.id}/webhooks`)).json()) as typeof log;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(log.results.map((x) => [x.event, x.attempt, x.status])).toEqual([
        ["completed", 1, 500],
        ["completed", 2, 500],
        ["completed", 3, 200],
      ]);
    } finally {
      await receiver.close();
    }
  });

  it("a terminal webhook being retried survives a kill -9 of its sender", async () => {
    const receiver = await startReceiver(1);
    try {
      await p.replicate.predictions.create({
        model: "gantry/test",
        input: { tokens: 1 },
        webhook: receiver.url,
        webhook_events_filter: ["completed"],
      });
      await receiver.until((r) => r.length >= 1);
      await p.stack.kill("scheduler");
      p.stack.restart("scheduler");
      await receiver.until((r) => r.length >= 2, 40_000);
      expect(receiver.received[1]!.headers["webhook-id"]).toBe(receiver.received[0]!.headers["webhook-id"]);
      expect(parse(receiver.received[1]!.body).status).toBe("succeeded");
    } finally {
      await receiver.close();
    }
  });

  it("redeliver (Gantry extension) sends the completed webhook again, signed anew, and logs it", async () => {
    const receiver = await startReceiver();
    try {
      const prediction = await p.replicate.predictions.create({
        model: "gantry/test",
        input: { tokens: 1 },
        webhook: receiver.url,
        webhook_events_filter: ["completed"],
      });
      await receiver.until((r) => r.length >= 1);
      // Refused for a prediction without a webhook.
      const plain = await p.replicate.predictions.create({ model: "gantry/test", input: { tokens: 1 } });
      await p.replicate.wait(plain, { interval: 50 });
      expect((await p.api(`/v1/predictions/${plain.id}/webhooks/redeliver`, { method: "POST" })).status).toBe(409);

      const res = await p.api(`/v1/predictions/${prediction.id}/webhooks/redeliver`, { method: "POST" });
      expect(res.status).toBe(202);
      const { webhook_id } = (await res.json()) as { webhook_id: string };
      await receiver.until((r) => r.length >= 2);
      const [first, again] = receiver.received;
      expect(String(again?.headers["webhook-id"])).toBe(webhook_id);
      expect(again?.headers["webhook-id"]).not.toBe(first?.headers["webhook-id"]);
      expect(parse(again?.body ?? "{}")).toEqual(parse(first?.body ?? "{}"));
      const valid = await validateWebhook({
        id: webhook_id,
        timestamp: String(again?.headers["webhook-timestamp"]),
        signature: String(again?.headers["webhook-signature"]),
        body: again?.body ?? "",
        secret,
      });
      expect(valid).toBe(true);
      const log = (await (await p.api(`/v1/predictions/${prediction.id}/webhooks`)).json()) as {
        results: { webhook_id: string; event: string; status: number }[];
      };
      expect(log.results.map((e) => [e.event, e.status])).toEqual([
        ["completed", 200],
        ["completed", 200],
      ]);
      expect(log.results[1]?.webhook_id).toBe(webhook_id);
    } finally {
      await receiver.close();
    }
  });
});
