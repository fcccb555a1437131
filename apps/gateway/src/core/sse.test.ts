import { describe, expect, it } from "vitest";
import { formatSse, sseFrames } from "./sse.ts";

const queue = {
  position: 1,
  estimated_start_at: "2026-01-01T00:00:10.000Z",
  phase: "waiting_for_slot" as const,
  phase_started_at: "2026-01-01T00:00:00.000Z",
};

describe("sseFrames: why a prediction waits", () => {
  it("is a logs event carrying the line it added (Replicate's clients know only four events)", () => {
    const frames = sseFrames({ type: "queue", queue, line: "Queued: 1 ahead." }, "7");
    expect(frames).toEqual([{ event: "logs", data: "Queued: 1 ahead.\n", id: "7" }]);
    expect(frames.map(formatSse).join("")).toBe("event: logs\ndata: Queued: 1 ahead.\ndata: \nid: 7\n\n");
  });

  it("sends nothing for a change that added no line (the WebSocket's typed message carries it)", () => {
    expect(sseFrames({ type: "queue", queue, line: "" }, "8")).toEqual([]);
  });
});
