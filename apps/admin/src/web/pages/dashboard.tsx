import { api, type Prediction } from "../api.ts";
import { Lines, queueSeries, StackedBars } from "../components/chart.tsx";
import { ErrorNote, Status } from "../components/status.tsx";
import { TokenGate } from "../components/token-gate.tsx";
import { ago, count, dollars, seconds } from "../format.ts";
import { useLoad } from "../hooks.ts";
import { Link } from "../router.tsx";
import { trpc } from "../trpc.ts";

/** The user's own view: their predictions, this billing period's usage and the spend over time. */
export function Dashboard() {
  return (
    <section>
      <h1>Dashboard</h1>
      <TokenGate kind="api">
        <Usage />
        <Predictions />
        <Charts />
      </TokenGate>
    </section>
  );
}

function Usage() {
  const usage = useLoad(() => trpc.me.usage.query({}), [], 10_000);
  const u = usage.data;
  return (
    <div className="card" data-testid="usage">
      <h2>Usage for the current billing period</h2>
      <ErrorNote error={usage.error} />
      {u ? (
        <>
          <p className="big" data-testid="usage-total">
            ${u.total_usd}
          </p>
          <p className="muted">
            {u.period} · {u.predictions} predictions billed
          </p>
          <table>
            <thead>
              <tr>
                <th>hardware</th>
                <th>seconds</th>
                <th>spend</th>
              </tr>
            </thead>
            <tbody>
              {u.by_hardware.map((r) => (
                <tr key={r.key}>
                  <td>{r.key}</td>
                  <td>{(r.ms / 1000).toFixed(1)}</td>
                  <td>${r.usd}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </div>
  );
}

function Predictions() {
  const list = useLoad(() => api<{ results: Prediction[] }>("/v1/predictions"), [], 3000);
  return (
    <div className="card">
      <h2>Your predictions</h2>
      <ErrorNote error={list.error} />
      <table data-testid="my-predictions">
        <thead>
          <tr>
            <th>id</th>
            <th>model</th>
            <th>status</th>
            <th>created</th>
            <th>run time</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.results.map((p) => (
            <tr key={p.id} data-prediction-id={p.id}>
              <td>
                <Link to={`/p/${p.id}`}>{p.id}</Link>
              </td>
              <td>{p.model}</td>
              <td>
                <Status status={p.status} />
              </td>
              <td>{ago(p.created_at)}</td>
              <td>{seconds(p.metrics.predict_time)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Charts() {
  const spend = useLoad(() => trpc.me.timeline.query({ group: "hardware", hours: 24, buckets: 24 }), [], 30_000);
  const queue = useLoad(() => trpc.me.queueHistory.query({ minutes: 60 }), [], 5000);
  const q = queueSeries(queue.data ?? []);
  return (
    <div className="split">
      <div className="card">
        <h2>Spend over the last 24 hours, by hardware</h2>
        {spend.data ? (
          <StackedBars
            label="spend by hardware"
            starts={spend.data.starts}
            series={spend.data.series}
            format={dollars}
          />
        ) : null}
      </div>
      <div className="card">
        <h2>Queue depth, last hour</h2>
        <Lines label="queue depth" starts={q.starts} series={q.series} format={count} />
      </div>
    </div>
  );
}
