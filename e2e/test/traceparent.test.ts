import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";

/**
 * W3C trace context: a create's `traceparent` is carried by the work item and the run request to
 * the model server (the coglet fixture logs what it received), so one prediction is one trace.
 */
let p: Platform;
let version = "";
beforeAll(async () => {
  p = await startPlatform();
  await p.replicate.models.create("dev", "traced", { visibility: "private", hardware: "cpu" });
  const res = await p.api("/v1/models/dev/traced/versions", {
    method: "POST",
    body: JSON.stringify({
      command: ["node", "--import", "tsx", "apps/gpu-agent/test/fixtures/coglet-server.ts", "--setup-ms", "50"],
    }),
  });
  const body = (await res.json()) as { id: string; detail?: string };
  if (res.status !== 201) throw new Error(`registering the fixture: ${res.status} ${body.detail}`);
  version = body.id;
}, 60_000);
afterAll(async () => {
  await p?.close();
});

async function logsOf(id: string): Promise<{ status: string; logs: string }> {
  for (let i = 0; i < 200; i++) {
    const now = await p.replicate.predictions.get(id);
    if (["succeeded", "failed", "canceled"].includes(now.status)) return { status: now.status, logs: now.logs ?? "" };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("never ended");
}

describe("traceparent from the API to the model server", () => {
  it("a create's traceparent reaches the model server; a malformed one is dropped, not refused", async () => {
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const res = await p.api("/v1/predictions", {
      method: "POST",
      headers: { traceparent },
      body: JSON.stringify({ version, input: { prompt: "hi", n_tokens: 1 } }),
    });
    expect(res.status).toBe(201);
    const traced = await logsOf(((await res.json()) as { id: string }).id);
    expect(traced.status).toBe("succeeded");
    expect(traced.logs).toContain(`traceparent=${traceparent}`);

    const bad = await p.api("/v1/predictions", {
      method: "POST",
      headers: { traceparent: "not-a-trace" },
      body: JSON.stringify({ version, input: { prompt: "hi", n_tokens: 1 } }),
    });
    expect(bad.status).toBe(201);
    const plain = await logsOf(((await bad.json()) as { id: string }).id);
    expect(plain.status).toBe("succeeded");
    expect(plain.logs).not.toContain("traceparent=");
  });
});
