import type { Prediction } from "replicate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Platform, startPlatform } from "./helpers.ts";
import { readSse } from "./sse.ts";

let p: Platform;
beforeAll(async () => {
  // A 2-second retention window instead of an hour.
  p = await startPlatform("r8_e2e_dev_token", { retentionMs: 2000 });
});
afterAll(async () => {
  await p?.close();
});

describe("data retention", () => {
  it("removes input, output and logs after the window and says data_removed", async () => {
    const res = await p.api("/v1/models/gantry/test/predictions", {
      method: "POST",
      headers: { prefer: "wait" },
      body: JSON.stringify({ input: { tokens: 2, log_lines: 1 } }),
    });
    const done = (await res.json()) as Prediction;
    expect(done).toMatchObject({ status: "succeeded", data_removed: false, output: ["tok0", " tok1"] });
    let later = done;
    for (let i = 0; i < 60 && !later.data_removed; i++) {
      await new Promise((r) => setTimeout(r, 200));
      later = await p.replicate.predictions.get(done.id);
    }
    expect(later).toMatchObject({ status: "succeeded", data_removed: true, output: null, input: {}, logs: "" });
    expect(later.metrics?.predict_time).toBe(done.metrics?.predict_time);
    // Its stream still ends cleanly, with done.
    const events = await readSse(await fetch(done.urls.stream!));
    expect(events.at(-1)?.event).toBe("done");
  });
});
