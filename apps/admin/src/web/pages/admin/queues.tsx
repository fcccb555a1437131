import { Lines, queueSeries } from "../../components/chart.tsx";
import { ErrorNote } from "../../components/status.tsx";
import { count, duration } from "../../format.ts";
import { useLoad } from "../../hooks.ts";
import { trpc } from "../../trpc.ts";

/** Waiting predictions per hardware SKU, and the depth over the last hour. */
export function QueuesPage() {
  const queues = useLoad(() => trpc.queues.list.query(), [], 2000);
  const history = useLoad(() => trpc.queues.history.query({ minutes: 60 }), [], 5000);
  const q = queueSeries(history.data ?? []);
  const c = queues.data?.consumer;
  return (
    <section>
      <h1>Queues</h1>
      <ErrorNote error={queues.error} />
      <table data-testid="queues-table">
        <thead>
          <tr>
            <th>hardware</th>
            <th>waiting</th>
            <th>oldest wait</th>
          </tr>
        </thead>
        <tbody>
          {queues.data?.queues.map((r) => (
            <tr key={r.sku}>
              <td>{r.sku}</td>
              <td>{r.depth}</td>
              <td>{duration(r.oldest_wait_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {queues.data?.queues.length === 0 ? <p className="muted">Nothing is waiting.</p> : null}
      <p className="muted">
        {c
          ? `scheduler: ${c.pending} not yet delivered, ${c.ack_pending} being placed, ${c.redelivered} redelivered`
          : "no scheduler consumer yet"}
      </p>
      <div className="card">
        <h2>Queue depth</h2>
        <Lines label="queue depth" starts={q.starts} series={q.series} format={count} />
      </div>
    </section>
  );
}
