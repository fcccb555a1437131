import { type FormEvent, useState } from "react";
import { ErrorNote } from "../../components/status.tsx";
import { ago } from "../../format.ts";
import { useLoad } from "../../hooks.ts";
import { Link } from "../../router.tsx";
import { type Outputs, trpc } from "../../trpc.ts";
import { knobsOf, ScalingFields, useScalingDraft } from "./scaling-fields.tsx";

type Deployment = Outputs["deployments"]["list"][number];
type Model = Outputs["models"]["list"][number];

const UNITS = { output_token: "output token", prediction: "prediction", output_file: "output file" } as const;
type Unit = keyof typeof UNITS;

/** A model's price: per second of its hardware, or per output at a price in nano-dollars. */
function PriceForm({ m, onSaved }: { m: Model; onSaved: () => void }) {
  const [unit, setUnit] = useState<Unit | "second">(m.price?.unit ?? "second");
  const [nano, setNano] = useState(String(m.price?.nano_per_unit ?? 0));
  const [error, setError] = useState<Error | null>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const price = unit === "second" ? null : { unit, nano_per_unit: Number(nano) };
      await trpc.models.setPrice.mutate({ owner: m.owner, name: m.name, price });
      onSaved();
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    }
  };
  return (
    <form className="row" onSubmit={(e) => void save(e)} data-testid={`price-${m.owner}-${m.name}`}>
      <select name="unit" value={unit} onChange={(e) => setUnit(e.target.value as Unit | "second")}>
        <option value="second">per second of hardware</option>
        {Object.entries(UNITS).map(([k, label]) => (
          <option key={k} value={k}>
            per {label}
          </option>
        ))}
      </select>
      {unit === "second" ? null : (
        <label>
          nano-$ per unit{" "}
          <input name="nano_per_unit" type="number" min={0} value={nano} onChange={(e) => setNano(e.target.value)} />
        </label>
      )}
      <button type="submit">Save</button>
      <ErrorNote error={error} />
    </form>
  );
}

/** Edits a model's scaling defaults (its deployments use them where they set none). */
function ModelScalingForm({ m, onSaved }: { m: Model; onSaved: () => void }) {
  const [draft, setDraft] = useScalingDraft(m.scaling);
  const [error, setError] = useState<Error | null>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await trpc.models.setScaling.mutate({ owner: m.owner, name: m.name, scaling: knobsOf(draft) });
      onSaved();
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    }
  };
  return (
    <form className="row" onSubmit={(e) => void save(e)} data-testid={`scaling-${m.owner}-${m.name}`}>
      <ScalingFields value={draft} onChange={setDraft} />
      <button type="submit">Save</button>
      <ErrorNote error={error} />
    </form>
  );
}

/** Edits a deployment's instance limits and scaling knobs: each save is a new release. */
function ScaleForm({ d, onSaved }: { d: Deployment; onSaved: () => void }) {
  const [min, setMin] = useState(String(d.min_instances));
  const [max, setMax] = useState(String(d.max_instances));
  const [draft, setDraft] = useScalingDraft(d.scaling);
  const [error, setError] = useState<Error | null>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await trpc.deployments.setScale.mutate({
        owner: d.owner,
        name: d.name,
        min_instances: Number(min),
        max_instances: Number(max),
        scaling: knobsOf(draft),
      });
      onSaved();
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    }
  };
  return (
    <form className="row" onSubmit={(e) => void save(e)} data-testid={`scale-${d.owner}-${d.name}`}>
      <label>
        min{" "}
        <input
          name="min_instances"
          type="number"
          min={0}
          max={5}
          value={min}
          onChange={(e) => setMin(e.target.value)}
        />
      </label>
      <label>
        max{" "}
        <input
          name="max_instances"
          type="number"
          min={0}
          max={20}
          value={max}
          onChange={(e) => setMax(e.target.value)}
        />
      </label>
      <ScalingFields value={draft} onChange={setDraft} />
      <button type="submit">Save</button>
      <ErrorNote error={error} />
    </form>
  );
}

/** One release's figures during a canary: predictions, failure rate, mean predict time. */
function armText(a: { predictions: number; failed: number; predict_ms: number }): string {
  const ok = a.predictions - a.failed;
  const rate = a.predictions ? `${((a.failed / a.predictions) * 100).toFixed(1)}% failed` : "no runs";
  return `${a.predictions} runs, ${rate}${ok ? `, ${Math.round(a.predict_ms / ok)} ms mean` : ""}`;
}

/** The running canary (both releases' figures), or how the last one ended. */
function CanaryCell({ d }: { d: Deployment }) {
  if (d.canary) {
    return (
      <span>
        {d.canary.percent}% → {d.canary.version.slice(0, 12)}: {armText(d.canary.canary)}; current:{" "}
        {armText(d.canary.stable)} (judged after {d.canary.min_predictions})
      </span>
    );
  }
  if (d.last_canary) {
    return (
      <span className="muted">
        {d.last_canary.result.replace("_", " ")} {d.last_canary.version.slice(0, 12)} {ago(d.last_canary.at)}:{" "}
        {d.last_canary.reason}
      </span>
    );
  }
  return <span className="muted">—</span>;
}

export function ModelsPage() {
  const models = useLoad(() => trpc.models.list.query(), []);
  const deployments = useLoad(() => trpc.deployments.list.query(), []);
  return (
    <section>
      <h1>Models</h1>
      <ErrorNote error={models.error} />
      <table data-testid="models-table">
        <thead>
          <tr>
            <th>model</th>
            <th>visibility</th>
            <th>hardware</th>
            <th>versions</th>
            <th>runs</th>
            <th>latest version</th>
            <th>price</th>
            <th>scaling defaults</th>
          </tr>
        </thead>
        <tbody>
          {models.data?.map((m) => (
            <tr key={`${m.owner}/${m.name}`}>
              <td>
                <Link to={`/playground/${m.owner}/${m.name}`}>
                  {m.owner}/{m.name}
                </Link>
              </td>
              <td>{m.visibility}</td>
              <td>{m.hardware}</td>
              <td>{m.versions.length}</td>
              <td>{m.run_count}</td>
              <td>{m.latest_version_id?.slice(0, 12) ?? "—"}</td>
              <td>
                <PriceForm m={m} onSaved={models.reload} />
              </td>
              <td>
                <ModelScalingForm m={m} onSaved={models.reload} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h1>Deployments</h1>
      <ErrorNote error={deployments.error} />
      {deployments.data?.length === 0 ? <p className="muted">No deployments.</p> : null}
      <table data-testid="deployments-table">
        <thead>
          <tr>
            <th>deployment</th>
            <th>model</th>
            <th>hardware</th>
            <th>release</th>
            <th>instances (min/max)</th>
            <th>canary</th>
          </tr>
        </thead>
        <tbody>
          {deployments.data?.map((d) => (
            <tr key={`${d.owner}/${d.name}`} data-deployment={`${d.owner}/${d.name}`}>
              <td>
                {d.owner}/{d.name}
              </td>
              <td>{d.model}</td>
              <td>{d.hardware}</td>
              <td data-testid="release">
                #{d.release} · {ago(d.release_created_at)}
              </td>
              <td>
                <ScaleForm key={d.release} d={d} onSaved={deployments.reload} />
              </td>
              <td data-testid="canary">
                <CanaryCell d={d} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
