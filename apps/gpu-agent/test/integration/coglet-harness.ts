import { PredictionEvent } from "@gantry/contracts/events";
import type { ModelRuntime } from "@gantry/contracts/models";
import { STREAMS, subjects } from "@gantry/contracts/subjects";
import { decode } from "@gantry/platform/codec";
import { jetstream } from "@nats-io/jetstream";
import type { Harness } from "./harness.ts";

/**
 * The coglet fixture (test/fixtures/coglet-server.ts) as a `command` runtime, started by the
 * agent like any model server (it passes `PORT` and `COG_MAX_CONCURRENCY`). `slots`: the server's
 * own concurrency when it must differ from what the agent is told (a wrong `concurrency`).
 */
export function cogletRuntime(
  o: { streaming?: boolean; slots?: number; unhealthy?: boolean; flags?: string[] } = {},
): ModelRuntime {
  const server = ["node", "--import", "tsx", "apps/gpu-agent/test/fixtures/coglet-server.ts", "--setup-ms", "100"];
  return {
    kind: "command",
    argv: [
      ...(o.slots ? ["env", `COG_MAX_CONCURRENCY=${o.slots}`] : []),
      ...server,
      ...(o.streaming ? ["--streaming"] : []),
      ...(o.unhealthy ? ["--unhealthy"] : []),
      ...(o.flags ?? []),
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

/**
 * Every stream event of a prediction, read until none comes for a second (unlike `t.events`,
 * it does not stop at the first `done`: a second end would show).
 */
export async function allEvents(t: Harness, id: string): Promise<PredictionEvent[]> {
  const c = await jetstream(t.nc).consumers.get(STREAMS.events.name, { filter_subjects: subjects.events(id) });
  const out: PredictionEvent[] = [];
  for (;;) {
    const m = await c.next({ expires: 1000 });
    if (!m) return out;
    out.push(decode(PredictionEvent, m.data, "event"));
  }
}
