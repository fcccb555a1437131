import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { startNatsServer } from "@gantry/testing/nats-server";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { skipSettledRequestErrors } from "../../src/nats-request-cancel.ts";

// nats.js builds its errors from its own `errors` module: counting the `RequestError`s built there
// shows whether an answered request still builds one.
const require = createRequire(import.meta.url);
const coreDir = dirname(require.resolve("@nats-io/nats-core"));
const errorsModule = require(join(coreDir, "errors.js")) as {
  RequestError: new (m?: string, o?: ErrorOptions) => Error;
};

function countRequestErrors(): { built: string[]; restore(): void } {
  const Original = errorsModule.RequestError;
  const built: string[] = [];
  errorsModule.RequestError = class extends Original {
    constructor(message?: string, options?: ErrorOptions) {
      super(message, options);
      built.push(message ?? "");
    }
  };
  const restore = () => {
    errorsModule.RequestError = Original;
  };
  return { built, restore };
}

describe("skipSettledRequestErrors on a real nats-server", () => {
  it("builds no error for an answered request, and still rejects the unanswered", async () => {
    await using nats = await startNatsServer();
    const nc = await connect({ ...nats.connectOptions(), noAsyncTraces: true });
    const counted = countRequestErrors();
    try {
      nc.subscribe("echo", {
        callback: (_e, m) => {
          m.respond(m.data);
        },
      });
      const ask = async (n: number) => {
        for (let i = 0; i < n; i++) expect((await nc.request("echo", "hi")).string()).toBe("hi");
      };
      // Unpatched, nats.js builds one per answered request.
      await ask(20);
      expect(counted.built.filter((m) => m === "cancelled")).toHaveLength(20);

      expect(skipSettledRequestErrors()).toBe(true);
      counted.built.length = 0;
      await ask(50);
      expect(counted.built).toEqual([]);

      // Failures still reject as before: no responders, a timeout.
      await expect(nc.request("nobody.listens", "x")).rejects.toThrow(/no responders/);
      nc.subscribe("silent", { callback: () => {} });
      await expect(nc.request("silent", "x", { timeout: 50 })).rejects.toThrow(/timeout/i);
      // An unanswered request whose connection closes is cancelled, with the error nats.js builds.
      const pending = nc.request("silent", "x", { timeout: 10_000 });
      const settled = pending.then(
        () => "answered",
        (err: Error) => err.message,
      );
      await nc.close();
      expect(await settled).toMatch(/closed|cancelled/);
    } finally {
      counted.restore();
      if (!nc.isClosed()) await nc.close();
    }
  });
});
