import { describe, expect, it } from "vitest";
import { RunRequest } from "./jobs.ts";

const request = {
  prediction_id: "p".repeat(26),
  account_id: "acct",
  model: "gantry/test",
  version_id: "c".repeat(64),
  hardware: "cpu",
  streams: true,
  runtime: { kind: "url", url: "http://127.0.0.1:5000" },
  concurrency: 1,
  input: {},
  timeout_ms: 1000,
  deadline: null,
};

describe("RunRequest.traceparent", () => {
  it("carries a W3C traceparent", () => {
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    expect(RunRequest.parse({ ...request, traceparent }).traceparent).toBe(traceparent);
  });

  it("drops a malformed one instead of refusing the run, and is absent when not sent", () => {
    const parsed = RunRequest.safeParse({ ...request, traceparent: "not-a-trace\nx" });
    expect(parsed.success).toBe(true);
    expect(parsed.data?.traceparent).toBeUndefined();
    expect(RunRequest.parse(request).traceparent).toBeUndefined();
  });
});
