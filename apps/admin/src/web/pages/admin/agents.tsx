import { ErrorNote } from "../../components/status.tsx";
import { ago, duration, percent } from "../../format.ts";
import { useLoad } from "../../hooks.ts";
import { trpc } from "../../trpc.ts";

/** Agents and their model instances, refreshed every two seconds. */
export function AgentsPage() {
  const agents = useLoad(() => trpc.agents.list.query(), [], 2000);
  return (
    <section>
      <h1>Agents</h1>
      <ErrorNote error={agents.error} />
      {agents.data?.length === 0 ? <p className="muted">No agent has reported.</p> : null}
      {agents.data?.map((a) => (
        <div className="card" key={a.agent_id} data-testid="agent" data-agent-id={a.agent_id}>
          <div className="row">
            <h2>{a.agent_id}</h2>
            <span className={a.stale ? "status status-failed" : "status status-succeeded"}>
              {a.stale ? "stale" : "live"}
            </span>
            <span>
              {a.sku}
              {a.emulated ? " (emulated)" : ""}
            </span>
            <span>
              slots {a.slots_used}/{a.slots}
            </span>
            <span>
              running {a.running}/{a.capacity} ({percent(a.utilization)})
            </span>
            <span className="muted">seen {ago(a.last_seen)}</span>
          </div>
          {a.gpus.length > 0 ? (
            <p className="muted">
              {a.gpus.map((g) => `${g.name} (${Math.round(g.memory_mib / 1024)} GiB)`).join(", ")}
            </p>
          ) : null}
          <table>
            <thead>
              <tr>
                <th>model</th>
                <th>version</th>
                <th>state</th>
                <th>running</th>
                <th>utilization</th>
                <th>booted</th>
                <th>up</th>
              </tr>
            </thead>
            <tbody>
              {a.instances.map((i) => (
                <tr key={i.version_id}>
                  <td>{i.model ?? "?"}</td>
                  <td>{i.version_id.slice(0, 12)}</td>
                  <td>{i.state}</td>
                  <td>
                    {i.running}/{i.concurrency}
                  </td>
                  <td>
                    <meter min={0} max={1} value={i.utilization} /> {percent(i.utilization)}
                  </td>
                  <td>{i.booted_at ? new Date(i.booted_at).toLocaleTimeString() : "booting"}</td>
                  <td>{duration(i.up_s === null ? null : i.up_s * 1000)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}
