import { useEffect, useState } from "react";
import { isDone, PredictionView } from "../../components/prediction-view.tsx";
import { ErrorNote } from "../../components/status.tsx";
import { type Outputs, trpc } from "../../trpc.ts";

type Detail = Outputs["predictions"]["get"];

/** One prediction as operators see it: live, cancelable, with its webhook deliveries. */
export function AdminPredictionPage({ id }: { id: string }) {
  const [p, setP] = useState<Detail | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    trpc.predictions.get.query({ id }).then(setP, setError);
    const sub = trpc.predictions.watch.subscribe(
      { id },
      { onData: ({ data }) => setP((old) => ({ ...data, webhooks: old?.webhooks ?? [] })), onError: setError },
    );
    return () => sub.unsubscribe();
  }, [id]);
  const cancel = () => trpc.predictions.cancel.mutate({ id }).catch(setError);
  return (
    <section>
      <h1>Prediction {id}</h1>
      <ErrorNote error={error} />
      {p ? (
        <>
          <div className="row">
            <span>account {p.account_id}</span>
            <span>hardware {p.hardware}</span>
            <span>agent {p.agent_id ?? "—"}</span>
            <span>source {p.source}</span>
            {p.deployment ? <span>deployment {p.deployment}</span> : null}
            {isDone(p.status) ? null : (
              <button type="button" className="danger" onClick={() => void cancel()}>
                Cancel
              </button>
            )}
          </div>
          <PredictionView p={p} />
          {p.webhooks.length > 0 ? (
            <>
              <h3>Webhook deliveries</h3>
              <table>
                <tbody>
                  {p.webhooks.map((w) => (
                    <tr key={`${w.webhook_id}-${w.event}-${w.attempt}`}>
                      <td>{w.event}</td>
                      <td>#{w.attempt}</td>
                      <td>{w.status ?? w.error}</td>
                      <td>{w.latency_ms} ms</td>
                      <td>{w.url}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
