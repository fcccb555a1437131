import { useState } from "react";
import { StackedBars } from "../../components/chart.tsx";
import { ErrorNote } from "../../components/status.tsx";
import { dollars } from "../../format.ts";
import { useLoad } from "../../hooks.ts";
import { type Outputs, trpc } from "../../trpc.ts";

type Row = Outputs["usage"]["summary"]["by_hardware"][number];
type Group = "hardware" | "model" | "account";

function SpendTable({ title, rows }: { title: string; rows: Row[] }) {
  return (
    <div className="card">
      <h2>{title}</h2>
      <table>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <td>{r.key}</td>
              <td>{(r.ms / 1000).toFixed(1)} s</td>
              <td>${r.usd}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Spend of a billing period by hardware, model and account, and spend over time. */
export function UsagePage() {
  const [period, setPeriod] = useState("");
  const [group, setGroup] = useState<Group>("hardware");
  const periods = useLoad(() => trpc.usage.periods.query(), []);
  const summary = useLoad(() => trpc.usage.summary.query(period ? { period } : {}), [period], 10_000);
  const timeline = useLoad(() => trpc.usage.timeline.query({ group, hours: 24, buckets: 24 }), [group], 30_000);
  const s = summary.data;
  return (
    <section>
      <h1>Usage and spend</h1>
      <div className="row">
        <select value={period} onChange={(e) => setPeriod(e.target.value)}>
          <option value="">current period</option>
          {periods.data?.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
        {s ? (
          <span className="big" data-testid="spend-total">
            ${s.total_usd} · {s.predictions} predictions · {s.period}
          </span>
        ) : null}
      </div>
      <ErrorNote error={summary.error} />
      {s ? (
        <div className="split three">
          <SpendTable title="By hardware" rows={s.by_hardware} />
          <SpendTable title="By model" rows={s.by_model} />
          <SpendTable title="By account" rows={s.by_account} />
        </div>
      ) : null}
      <div className="card">
        <div className="row">
          <h2>Spend over the last 24 hours by</h2>
          <select value={group} onChange={(e) => setGroup(e.target.value as Group)}>
            <option>hardware</option>
            <option>model</option>
            <option>account</option>
          </select>
        </div>
        {timeline.data ? (
          <StackedBars
            label={`spend by ${group}`}
            starts={timeline.data.starts}
            series={timeline.data.series}
            format={dollars}
          />
        ) : null}
      </div>
    </section>
  );
}
