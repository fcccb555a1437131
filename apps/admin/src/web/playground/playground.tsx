import { type FormEvent, useMemo, useState } from "react";
import { api, type Model, type Prediction, uploadFile } from "../api.ts";
import { LivePrediction } from "../components/prediction-view.tsx";
import { ErrorNote } from "../components/status.tsx";
import { useLoad } from "../hooks.ts";
import { Link, navigate } from "../router.tsx";
import { InputForm } from "./input-form.tsx";
import { type FormValue, initialValues, inputFields, toInput } from "./schema.ts";
import { TrainForm } from "./train-form.tsx";

interface Version {
  id: string;
  created_at: string;
  openapi_schema: Record<string, unknown> | null;
}

/** Every model the token may run. */
export function PlaygroundIndex() {
  const models = useLoad(() => api<{ results: Model[] }>("/v1/models"), []);
  return (
    <section>
      <h1>Playground</h1>
      <ErrorNote error={models.error} />
      <div className="cards">
        {models.data?.results.map((m) => (
          <Link key={`${m.owner}/${m.name}`} to={`/playground/${m.owner}/${m.name}`} className="card">
            <b>
              {m.owner}/{m.name}
            </b>
            <p className="muted">{m.description}</p>
          </Link>
        ))}
      </div>
    </section>
  );
}

/** The form for one version (the model's latest when `versionId` is not given), and its run. */
export function Playground({ owner, name, versionId }: { owner: string; name: string; versionId?: string }) {
  const loaded = useLoad(async () => {
    const model = await api<Model>(`/v1/models/${owner}/${name}`);
    const versions = await api<{ results: Version[] }>(`/v1/models/${owner}/${name}/versions`);
    const version = versionId
      ? await api<Version>(`/v1/models/${owner}/${name}/versions/${versionId}`)
      : (model.latest_version as Version | null);
    return { model, versions: versions.results, version };
  }, [owner, name, versionId]);
  const version = loaded.data?.version ?? null;
  return (
    <section>
      <h1>
        {owner}/{name}
      </h1>
      <ErrorNote error={loaded.error} />
      {loaded.data ? <p className="muted">{loaded.data.model.description}</p> : null}
      {loaded.data && loaded.data.versions.length > 0 ? (
        <label className="row">
          version
          <select
            value={version?.id ?? ""}
            onChange={(e) => navigate(`/playground/${owner}/${name}/versions/${e.target.value}`)}
          >
            {loaded.data.versions.map((v) => (
              <option key={v.id} value={v.id}>
                {v.id.slice(0, 12)} · {new Date(v.created_at).toLocaleString()}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {version ? (
        <RunForm key={version.id} owner={owner} name={name} version={version} pinned={versionId !== undefined} />
      ) : loaded.data ? (
        <p>This model has no version to run.</p>
      ) : null}
      {version ? (
        <TrainForm
          key={`train-${version.id}`}
          owner={owner}
          name={name}
          versionId={version.id}
          openapi={version.openapi_schema}
        />
      ) : null}
    </section>
  );
}

function RunForm({ owner, name, version, pinned }: { owner: string; name: string; version: Version; pinned: boolean }) {
  const fields = useMemo(() => inputFields(version.openapi_schema), [version]);
  const [values, setValues] = useState<Record<string, FormValue>>(() => initialValues(fields));
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [created, setCreated] = useState<Prediction | null>(null);

  const run = async (e: FormEvent) => {
    e.preventDefault();
    setRunning(true);
    setError(null);
    try {
      const input = await toInput(fields, values, uploadFile);
      const prediction = pinned
        ? await api<Prediction>("/v1/predictions", {
            method: "POST",
            body: JSON.stringify({ version: `${owner}/${name}:${version.id}`, input }),
          })
        : await api<Prediction>(`/v1/models/${owner}/${name}/predictions`, {
            method: "POST",
            body: JSON.stringify({ input }),
          });
      setCreated(prediction);
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setRunning(false);
    }
  };

  return (
    <div className="split">
      <form className="card" onSubmit={(e) => void run(e)} data-testid="playground-form">
        <h2>Input</h2>
        <InputForm fields={fields} values={values} onChange={(k, v) => setValues((old) => ({ ...old, [k]: v }))} />
        <button type="submit" disabled={running}>
          {running ? "Starting…" : "Run"}
        </button>
        <ErrorNote error={error} />
      </form>
      <div className="card">
        <h2>Prediction</h2>
        {created ? (
          <LivePrediction key={created.id} id={created.id} initial={created} />
        ) : (
          <p className="muted">Run it to see the output here.</p>
        )}
      </div>
    </div>
  );
}
