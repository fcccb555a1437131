import { AppError } from "@gantry/contracts/errors";
import { ClosedConnectionError, NoRespondersError, RequestError, TimeoutError } from "@nats-io/nats-core";
import { describe, expect, it } from "vitest";
import { natsOutage, retryUnreached } from "./nats-availability.ts";

describe("natsOutage", () => {
  it("maps a closed connection, a timeout and no responders (also as a request's cause) to a 503", () => {
    const outages = [
      new ClosedConnectionError(),
      new TimeoutError(),
      new NoRespondersError("$KV.predictions.x"),
      new RequestError("request failed", { cause: new TimeoutError() }),
      new Error("wrapped", { cause: new ClosedConnectionError() }),
    ];
    for (const err of outages) {
      const mapped = natsOutage(err);
      expect(mapped).toBeInstanceOf(AppError);
      expect(mapped?.status).toBe(503);
      expect(mapped?.cause).toBe(err);
    }
  });

  it("leaves other errors alone: a bug stays a 500", () => {
    expect(natsOutage(new TypeError("x is undefined"))).toBeNull();
    expect(natsOutage(new RequestError("bad request"))).toBeNull();
    expect(natsOutage("not an error")).toBeNull();
  });
});

describe("retryUnreached", () => {
  it("repeats a write no server handled (a leader moving) and returns its result", async () => {
    let calls = 0;
    const result = await retryUnreached(async () => {
      calls++;
      if (calls < 3) throw new RequestError("failed", { cause: new NoRespondersError("$KV.predictions.x") });
      return "stored";
    }, 10_000);
    expect({ result, calls }).toEqual({ result: "stored", calls: 3 });
  });

  it("never repeats a write that may have happened (a timeout) or failed for another reason", async () => {
    for (const err of [new TimeoutError(), new TypeError("bug")]) {
      let calls = 0;
      await expect(
        retryUnreached(async () => {
          calls++;
          throw err;
        }, 10_000),
      ).rejects.toBe(err);
      expect(calls).toBe(1);
    }
  });

  it("gives up after its window with the last error", async () => {
    let calls = 0;
    const err = new NoRespondersError("work.v1.predictions.cpu");
    await expect(
      retryUnreached(async () => {
        calls++;
        throw err;
      }, 0),
    ).rejects.toBe(err);
    expect(calls).toBe(1);
  });
});
