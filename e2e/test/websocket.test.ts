import { encodeFrame, HOSTILE_FRAMES, rawSession } from "@gantry/testing/ws-frames";
import type { Prediction } from "replicate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Platform, startPlatform } from "./helpers.ts";

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(async () => {
  await p?.close();
});

interface Frame {
  type: string;
  prediction_id?: string;
  id?: string;
  event?: string;
  data?: string;
  detail?: string;
}

const tokens = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? "tok0" : ` tok${i}`));

async function create(input: Record<string, unknown>): Promise<Prediction> {
  const res = await p.api("/v1/models/gantry/test/predictions", { method: "POST", body: JSON.stringify({ input }) });
  return (await res.json()) as Prediction;
}

function connectWs(): Promise<{ ws: WebSocket; frames: Frame[]; until(pred: (f: Frame[]) => boolean): Promise<void> }> {
  const ws = new WebSocket(`${p.stack.baseUrl.replace("http", "ws")}/v1/ws`);
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  ws.on("message", (data) => {
    frames.push(JSON.parse(String(data)) as Frame);
    for (const w of waiters.splice(0)) w();
  });
  const until = async (pred: (f: Frame[]) => boolean) => {
    const deadline = Date.now() + 20_000;
    while (!pred(frames)) {
      if (Date.now() > deadline) throw new Error(`timed out; frames: ${JSON.stringify(frames.slice(-5))}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve({ ws, frames, until }));
    ws.once("error", reject);
  });
}

const outputsOf = (frames: Frame[], id: string) =>
  frames.filter((f) => f.type === "event" && f.prediction_id === id && f.event === "output").map((f) => f.data);
const doneOf = (frames: Frame[], id: string) => frames.some((f) => f.prediction_id === id && f.event === "done");

describe("token streaming over a WebSocket", () => {
  it("one connection follows several predictions, each to its done", async () => {
    const a = await create({ tokens: 5, token_delay_ms: 10 });
    const b = await create({ tokens: 8, token_delay_ms: 5 });
    const { ws, frames, until } = await connectWs();
    ws.send(JSON.stringify({ type: "subscribe", stream: a.urls.stream }));
    ws.send(JSON.stringify({ type: "subscribe", stream: b.urls.stream }));
    await until((f) => doneOf(f, a.id) && doneOf(f, b.id));
    expect(outputsOf(frames, a.id)).toEqual(tokens(5));
    expect(outputsOf(frames, b.id)).toEqual(tokens(8));
    expect(frames.filter((f) => f.event === "done").map((f) => f.data)).toEqual(["{}", "{}"]);
    ws.close();
  });

  it("resumes after a cut connection with last_event_id: nothing lost, nothing repeated", async () => {
    const pred = await create({ tokens: 30, token_delay_ms: 10 });
    const first = await connectWs();
    first.ws.send(JSON.stringify({ type: "subscribe", stream: pred.urls.stream }));
    await first.until((f) => outputsOf(f, pred.id).length >= 5);
    first.ws.terminate();
    const got = first.frames.filter((f) => f.type === "event");
    const second = await connectWs();
    second.ws.send(JSON.stringify({ type: "subscribe", stream: pred.urls.stream, last_event_id: got.at(-1)?.id }));
    await second.until((f) => doneOf(f, pred.id));
    expect([...outputsOf(got, pred.id), ...outputsOf(second.frames, pred.id)]).toEqual(tokens(30));
    second.ws.close();
  });

  it("answers bad messages and forged stream URLs with an error frame", async () => {
    const { ws, frames, until } = await connectWs();
    ws.send("not json");
    ws.send(JSON.stringify({ type: "subscribe", stream: `${p.stack.baseUrl}/v1/streams/${"a".repeat(26)}/r8_nope` }));
    await until((f) => f.filter((x) => x.type === "error").length >= 2);
    expect(frames.map((f) => f.type)).toEqual(["error", "error"]);
    expect(frames[1]?.detail).toBe("The requested resource could not be found.");
    ws.close();
  });
});

describe("hostile WebSocket clients", () => {
  it("no frame sequence takes the gateway down; each ends only its own connection", async () => {
    const port = Number(new URL(p.stack.baseUrl).port);
    const bystander = await connectWs();
    for (const h of HOSTILE_FRAMES) {
      // Each runtime answers in its own way (ws closes with the protocol's code; workerd may
      // deliver bad UTF-8 as U+FFFD, which the session answers with an error frame): the
      // point here is that the gateway and its other connections live on.
      await rawSession(port, Buffer.concat(h.frames.map(encodeFrame)), h.code === null, "/v1/ws", 1000);
      expect((await p.api("/health")).status, h.name).toBe(200);
    }
    // A connection opened before the attack still streams.
    const pred = await create({ tokens: 3 });
    bystander.ws.send(JSON.stringify({ type: "subscribe", stream: pred.urls.stream }));
    await bystander.until((f) => doneOf(f, pred.id));
    expect(outputsOf(bystander.frames, pred.id)).toEqual(tokens(3));
    bystander.ws.close();
  });
});
