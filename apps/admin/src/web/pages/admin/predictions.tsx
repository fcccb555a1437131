import { type FormEvent, useEffect, useState } from "react";
import { ErrorNote, Status } from "../../components/status.tsx";
import { ago, duration, seconds } from "../../format.ts";
import { Link } from "../../router.tsx";
import { type Outputs, trpc } from "../../trpc.ts";

type Summary = Outputs["predictions"]["search"]["items"][number];
const STATUSES = ["starting", "processing", "succeeded", "failed", "canceled", "aborted"] as const;
type StatusName = (typeof STATUSES)[number];

interface Filters {
  account: string;
  model: string;
  status: StatusName | "";
  since: string;
}

const query = (f: Filters) => ({
  ...(f.account ? { account: f.account } : {}),
  ...(f.model ? { model: f.model } : {}),
  ...(f.status ? { status: [f.status] } : {}),
  ...(f.since ? { createdAfter: new Date(f.since).toISOString() } : {}),
  limit: 50,
});

/** Search, newest first, with rows kept current by the live subscription. */
export function PredictionsPage() {
  const [draft, setDraft] = useState<Filters>({ account: "", model: "", status: "", since: "" });
  const [filters, setFilters] = useState(draft);
  const [rows, setRows] = useState<Summary[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);

  useEffect(() => {
    let live = true;
    trpc.predictions.search.query(query(filters)).then(
      (r) => {
        if (!live) return;
        setRows(r.items);
        setNext(r.nextCursor);
      },
      (e: Error) => {
        if (live) setError(e);
      },
    );
    const sub = trpc.predictions.live.subscribe(
      { ...(filters.account ? { account: filters.account } : {}), ...(filters.model ? { model: filters.model } : {}) },
      {
        onData: ({ data }) =>
          setRows((old) => {
            const i = old.findIndex((r) => r.id === data.id);
            if (i >= 0) return old.map((r) => (r.id === data.id ? data : r));
            if (filters.status && data.status !== filters.status) return old;
            return [data, ...old];
          }),
        onError: setError,
      },
    );
    return () => {
      live = false;
      sub.unsubscribe();
    };
  }, [filters]);

  const more = async () => {
    if (!next) return;
    const r = await trpc.predictions.search.query({ ...query(filters), cursor: next });
    setRows((old) => [...old, ...r.items]);
    setNext(r.nextCursor);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
  };
  const field = (k: keyof Filters) => ({
    value: draft[k],
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value }),
  });

  return (
    <section>
      <h1>Predictions</h1>
      <form className="row filters" onSubmit={submit}>
        <input placeholder="account" {...field("account")} />
        <input placeholder="owner/model" {...field("model")} />
        <select {...field("status")}>
          <option value="">any status</option>
          {STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <input type="datetime-local" title="created after" {...field("since")} />
        <button type="submit">Search</button>
      </form>
      <ErrorNote error={error} />
      <table data-testid="predictions-table">
        <thead>
          <tr>
            <th>id</th>
            <th>account</th>
            <th>model</th>
            <th>status</th>
            <th>hardware</th>
            <th>agent</th>
            <th>created</th>
            <th>queued</th>
            <th>predict</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-prediction-id={r.id}>
              <td>
                <Link to={`/admin/predictions/${r.id}`}>{r.id}</Link>
              </td>
              <td>{r.account_id}</td>
              <td>{r.model}</td>
              <td>
                <Status status={r.status} />
              </td>
              <td>{r.hardware}</td>
              <td>{r.agent_id ?? "—"}</td>
              <td>{ago(r.created_at)}</td>
              <td>{duration(r.queue_ms)}</td>
              <td>{seconds(r.predict_time)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {next ? (
        <button type="button" onClick={() => void more()}>
          More
        </button>
      ) : null}
    </section>
  );
}
