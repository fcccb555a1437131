import { type FormEvent, useEffect, useMemo, useState } from "react";
import { api, uploadFile } from "../api.ts";
import { isDone } from "../components/prediction-view.tsx";
import { ErrorNote, Status } from "../components/status.tsx";
import { seconds } from "../format.ts";
import { Link } from "../router.tsx";
import { InputForm } from "./input-form.tsx";
import { type FormValue, initialValues, inputFields, toInput, trainingSchema } from "./schema.ts";

/** The public training object, as far as this page shows it. */
interface Training {
  id: string;
  status: string;
  logs: string;
  error: string | null;
  output: { version?: string; weights?: string } | null;
  metrics: { predict_time?: number };
}

/** A trained version's playground: `owner/name:id` → its page. */
const playgroundOf = (version: string) => {
  const [model = "", id = ""] = version.split(":");
  return `/playground/${model}/versions/${id}`;
};

/**
 * Trains a trainable version (its schema has `TrainingInput`) into a model of the user's, and
 * follows the training to the version it makes. Nothing is shown for other versions.
 */
export function TrainForm({
  owner,
  name,
  versionId,
  openapi,
}: {
  owner: string;
  name: string;
  versionId: string;
  openapi: unknown;
}) {
  const schema = useMemo(() => trainingSchema(openapi), [openapi]);
  const fields = useMemo(() => (schema ? inputFields(schema) : []), [schema]);
  const [values, setValues] = useState<Record<string, FormValue>>(() => initialValues(fields));
  const [destination, setDestination] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const [training, setTraining] = useState<Training | null>(null);

  // Polled until it ends: a training streams nothing.
  useEffect(() => {
    if (!training || isDone(training.status)) return;
    const timer = setTimeout(() => {
      api<Training>(`/v1/trainings/${training.id}`).then(setTraining, (err: unknown) =>
        setError(err instanceof Error ? err : new Error(String(err))),
      );
    }, 400);
    return () => clearTimeout(timer);
  }, [training]);

  if (!schema) return null;
  const train = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const input = await toInput(fields, values, uploadFile);
      const created = await api<Training>(`/v1/models/${owner}/${name}/versions/${versionId}/trainings`, {
        method: "POST",
        body: JSON.stringify({ destination, input }),
      });
      setTraining(created);
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    }
  };

  return (
    <details className="card" data-testid="train">
      <summary>
        <b>Train this version</b> <span className="muted">into a model of yours</span>
      </summary>
      <form onSubmit={(e) => void train(e)} data-testid="train-form">
        <div className="field">
          <label htmlFor="train-destination">
            <b>destination</b>
            <span className="required">*</span> <span className="muted">owner/name of one of your models</span>
          </label>
          <input
            id="train-destination"
            required
            placeholder="you/my-model"
            value={destination}
            onChange={(e) => setDestination(e.target.value)}
          />
        </div>
        <InputForm
          fields={fields}
          values={values}
          idPrefix="train-"
          onChange={(k, v) => setValues((old) => ({ ...old, [k]: v }))}
        />
        <button type="submit" disabled={training !== null && !isDone(training.status)}>
          Train
        </button>
        <ErrorNote error={error} />
      </form>
      {training ? (
        <div data-testid="training" data-training-id={training.id}>
          <p>
            <Status status={training.status} />
            {training.metrics.predict_time !== undefined ? ` in ${seconds(training.metrics.predict_time)}` : null}
          </p>
          {training.error ? <p className="error">{training.error}</p> : null}
          {training.output?.version ? (
            <p>
              New version:{" "}
              <span data-testid="trained-version">
                <Link to={playgroundOf(training.output.version)}>{training.output.version}</Link>
              </span>
            </p>
          ) : null}
          {training.logs ? <pre className="logs">{training.logs}</pre> : null}
        </div>
      ) : null}
    </details>
  );
}
