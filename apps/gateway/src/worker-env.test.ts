import { describe, expect, it } from "vitest";
import { WorkerVars } from "./worker-env.ts";

describe("the Worker's vars", () => {
  it("take every node of a cluster in NATS_WS_URL, comma-separated", () => {
    const vars = WorkerVars.parse({ NATS_WS_URL: "wss://n1.example:8443, wss://n2.example:8443,ws://10.0.0.3:8443" });
    expect(vars.NATS_WS_URL).toEqual(["wss://n1.example:8443", "wss://n2.example:8443", "ws://10.0.0.3:8443"]);
  });

  it("refuse a list with an empty entry or a URL that is not a WebSocket one", () => {
    for (const bad of ["", "ws://n1:8443,", "nats://n1:4222", "ws://n1:8443,https://n2"]) {
      expect(WorkerVars.safeParse({ NATS_WS_URL: bad }).success, bad).toBe(false);
    }
  });
});
