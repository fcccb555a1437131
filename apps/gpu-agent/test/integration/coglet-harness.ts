import type { ModelRuntime } from "@gantry/contracts/models";
import type { Harness } from "./harness.ts";

/**
 * The coglet fixture (test/fixtures/coglet-server.ts) as a `command` runtime, started by the
 * agent like any model server (it passes `PORT` and `COG_MAX_CONCURRENCY`). `slots`: the server's
 * own concurrency when it must differ from what the agent is told (a wrong `concurrency`).
 */
export function cogletRuntime(o: { streaming?: boolean; slots?: number } = {}): ModelRuntime {
  const server = ["node", "--import", "tsx", "apps/gpu-agent/test/fixtures/coglet-server.ts", "--setup-ms", "100"];
  return {
    kind: "command",
    argv: [
      ...(o.slots ? ["env", `COG_MAX_CONCURRENCY=${o.slots}`] : []),
      ...server,
      ...(o.streaming ? ["--streaming"] : []),
    ],
  };
}

/** The fixture's `create <id> <status>` lines for a prediction: how its creates were answered. */
export function createAnswers(t: Harness, id: string): string[] {
  const out = t.agent
    .instances()
    .map((i) => i.output)
    .join("\n");
  return [...out.matchAll(new RegExp(`^create ${id} (\\d+)$`, "gm"))].map((m) => m[1] ?? "");
}
