import type { PredictionQueue } from "@gantry/contracts/prediction";
import { useEffect, useState } from "react";
import { api, type Prediction } from "../api.ts";
import { duration, seconds } from "../format.ts";
import { Link } from "../router.tsx";
import { ErrorNote, Status } from "./status.tsx";

/** The fields shared by the public prediction object and the admin console's detail. */
export interface ShownPrediction {
  id: string;
  model: string;
  version: string;
  status: string;
  input: Record<string, unknown>;
  output?: unknown;
  logs: string;
  error: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  metrics: { predict_time?: number; total_time?: number };
  /** Why a `starting` prediction waits (Gantry's extension of the public object). */
  queue?: PredictionQueue;
}

const PHASES: Record<PredictionQueue["phase"], string> = {
  waiting_for_slot: "Waiting for a free slot",
  pulling_image: "Pulling the model's image",
  fetching_weights: "Fetching the model's weights",
  setup: "Model setup",
};

/** Where a waiting prediction is: its phase, its place in the queue, when it should start. */
function QueueNote({ queue }: { queue: PredictionQueue }) {
  const eta = queue.estimated_start_at ? Math.max(0, Date.parse(queue.estimated_start_at) - Date.now()) : null;
  return (
    <p className="muted" data-testid="queue" data-phase={queue.phase}>
      {PHASES[queue.phase]}
      {queue.position !== null ? ` · ${queue.position === 0 ? "next in line" : `${queue.position} ahead`}` : ""}
      {eta !== null ? ` · starting in about ${duration(eta)}` : ""}
    </p>
  );
}

const TERMINAL = ["succeeded", "failed", "canceled", "aborted"];
export const isDone = (status: string) => TERMINAL.includes(status);

const isUrl = (v: unknown): v is string => typeof v === "string" && /^(https?:|data:)/.test(v);

function Output({ output, text }: { output: unknown; text: string | null }) {
  if (text !== null)
    return (
      <pre className="output" data-testid="output">
        {text}
      </pre>
    );
  const items = Array.isArray(output) ? output : output === null || output === undefined ? [] : [output];
  if (items.length > 0 && items.every(isUrl)) {
    return (
      <div className="output files" data-testid="output">
        {items.map((url) => (
          <a key={url} href={url} target="_blank" rel="noreferrer">
            <img src={url} alt="output" data-testid="output-image" />
          </a>
        ))}
      </div>
    );
  }
  if (items.every((v) => typeof v === "string")) {
    return (
      <pre className="output" data-testid="output">
        {items.join("")}
      </pre>
    );
  }
  return (
    <pre className="output" data-testid="output">
      {JSON.stringify(output, null, 2)}
    </pre>
  );
}

const ms = (from: string | null, to: string | null) => (from && to ? Date.parse(to) - Date.parse(from) : null);

/** Status, output (streamed text, images, or JSON), logs and timings of one prediction. */
export function PredictionView({ p, text, logs }: { p: ShownPrediction; text?: string | null; logs?: string | null }) {
  return (
    <div className="prediction" data-testid="prediction" data-prediction-id={p.id}>
      <div className="row">
        <Status status={p.status} />
        <Link to={`/p/${p.id}`}>/p/{p.id}</Link>
        <span className="muted">{p.model}</span>
      </div>
      {p.status === "starting" && p.queue ? <QueueNote queue={p.queue} /> : null}
      <h3>Output</h3>
      <Output output={p.output} text={text ?? null} />
      {p.error ? <p className="error">{p.error}</p> : null}
      <h3>Logs</h3>
      <pre className="logs" data-testid="logs">
        {logs ?? p.logs}
      </pre>
      <h3>Timings</h3>
      <dl className="timings">
        <dt>created</dt>
        <dd>{new Date(p.created_at).toLocaleString()}</dd>
        <dt>queued</dt>
        <dd>{duration(ms(p.created_at, p.started_at))}</dd>
        <dt>predict time</dt>
        <dd data-testid="predict-time">{seconds(p.metrics.predict_time)}</dd>
        <dt>total time</dt>
        <dd>{seconds(p.metrics.total_time)}</dd>
      </dl>
      <details>
        <summary>Input</summary>
        <pre>{JSON.stringify(p.input, null, 2)}</pre>
      </details>
    </div>
  );
}

/**
 * A prediction of the public API kept current: its stream URL (EventSource) delivers output
 * tokens and log lines as they come, and the record is read again when the stream says `done`;
 * a prediction without a stream URL is polled until it ends.
 */
export function useLivePrediction(id: string, initial?: Prediction) {
  const [p, setP] = useState<Prediction | null>(initial ?? null);
  const [text, setText] = useState<string | null>(null);
  const [logs, setLogs] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);

  useEffect(() => {
    let live = true;
    let es: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = () => api<Prediction>(`/v1/predictions/${id}`);
    const poll = async () => {
      const next = await read();
      if (!live) return;
      setP(next);
      if (!isDone(next.status)) timer = setTimeout(() => void poll().catch(fail), 500);
    };
    const fail = (e: unknown) => live && setError(e instanceof Error ? e : new Error(String(e)));
    void (async () => {
      const first = initial ?? (await read());
      if (!live) return;
      setP(first);
      if (isDone(first.status)) return;
      const url = first.urls.stream;
      if (!url) return poll();
      let out = "";
      let log = first.logs;
      // Output means the model runs: the record says so too, but is only read again at the end.
      const running = () => setP((old) => (old && old.status === "starting" ? { ...old, status: "processing" } : old));
      // While it waits, the record is read each second: it says where (`queue`), and when it starts.
      const whileStarting = async () => {
        const next = await read();
        if (!live) return;
        setP((old) => (old && old.status !== "starting" ? old : next));
        if (next.status === "starting") timer = setTimeout(() => void whileStarting().catch(fail), 1000);
      };
      es = new EventSource(url);
      if (first.status === "starting") timer = setTimeout(() => void whileStarting().catch(fail), 1000);
      es.addEventListener("output", (e) => {
        out += (e as MessageEvent<string>).data;
        setText(out);
        running();
      });
      es.addEventListener("logs", (e) => {
        const line = (e as MessageEvent<string>).data;
        log += line.endsWith("\n") ? line : `${line}\n`;
        setLogs(log);
      });
      es.addEventListener("done", () => {
        es?.close();
        void read().then((final) => {
          if (!live) return;
          setP(final);
          setText(null);
          setLogs(null);
        }, fail);
      });
      es.onerror = () => {
        // The browser reconnects with Last-Event-ID; a stream that ended is read back instead.
        if (es?.readyState === EventSource.CLOSED) void poll().catch(fail);
      };
    })().catch(fail);
    return () => {
      live = false;
      es?.close();
      clearTimeout(timer);
    };
  }, [id, initial]);

  return { p, text, logs, error };
}

/** A public-API prediction, live until it ends. */
export function LivePrediction({ id, initial }: { id: string; initial?: Prediction }) {
  const { p, text, logs, error } = useLivePrediction(id, initial);
  return (
    <>
      <ErrorNote error={error} />
      {p ? <PredictionView p={p} text={text} logs={logs} /> : <p className="muted">Loading…</p>}
    </>
  );
}
