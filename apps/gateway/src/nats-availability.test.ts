import { AppError } from "@gantry/contracts/errors";
import { ClosedConnectionError, NoRespondersError, RequestError, TimeoutError } from "@nats-io/nats-core";
import { describe, expect, it } from "vitest";
import { natsOutage } from "./nats-availability.ts";

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
