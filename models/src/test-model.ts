import { setTimeout as sleep } from "node:timers/promises";
import type { Predictor } from "./cog-server.ts";
import { cogOpenApi } from "./openapi.ts";

/**
 * `gantry/test`: a controllable model for tests and benchmarks. It emits `tokens` tokens
 * (`token_delay_ms` apart) after `sleep_ms`, writes `log_lines` log lines, and fails with the
 * message in `fail` when that is set (after its tokens, so the partial output is kept).
 */
export const testModel: Predictor = {
  openapi: cogOpenApi({
    properties: {
      tokens: {
        type: "integer",
        title: "Tokens",
        description: "How many tokens to emit",
        default: 3,
        minimum: 0,
        maximum: 100000,
        "x-order": 0,
      },
      token_delay_ms: {
        type: "integer",
        title: "Token Delay Ms",
        description: "Milliseconds between tokens",
        default: 0,
        minimum: 0,
        maximum: 60000,
        "x-order": 1,
      },
      sleep_ms: {
        type: "integer",
        title: "Sleep Ms",
        description: "Milliseconds to sleep before the first token",
        default: 0,
        minimum: 0,
        maximum: 3600000,
        "x-order": 2,
      },
      fail: {
        type: "string",
        title: "Fail",
        description: "When set, the prediction fails with this message",
        "x-order": 3,
      },
      log_lines: {
        type: "integer",
        title: "Log Lines",
        description: "How many log lines to write",
        default: 0,
        minimum: 0,
        maximum: 10000,
        "x-order": 4,
      },
    },
    output: {
      type: "array",
      items: { type: "string" },
      "x-cog-array-type": "iterator",
      "x-cog-array-display": "concatenate",
    },
  }),
  async *predict(input, ctx) {
    const n = Number(input.tokens ?? 3);
    const delay = Number(input.token_delay_ms ?? 0);
    for (let i = 0; i < Number(input.log_lines ?? 0); i++) ctx.log(`log line ${i}`);
    const sleepMs = Number(input.sleep_ms ?? 0);
    if (sleepMs > 0) await sleep(sleepMs, undefined, { signal: ctx.signal });
    for (let i = 0; i < n; i++) {
      if (i > 0 && delay > 0) await sleep(delay, undefined, { signal: ctx.signal });
      yield testToken(i);
    }
    if (typeof input.fail === "string" && input.fail.length > 0) throw new Error(input.fail);
  },
};

/** The i-th token `gantry/test` emits; joined they read "tok0 tok1 tok2". */
export function testToken(i: number): string {
  return i === 0 ? "tok0" : ` tok${i}`;
}
