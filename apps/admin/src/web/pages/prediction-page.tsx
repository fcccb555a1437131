import { useEffect, useState } from "react";
import { useToken } from "../auth.ts";
import { LivePrediction, PredictionView, type ShownPrediction } from "../components/prediction-view.tsx";
import { ErrorNote } from "../components/status.tsx";
import { TokenGate } from "../components/token-gate.tsx";
import { trpc } from "../trpc.ts";

/**
 * `/p/<id>`: one prediction's shareable page. Whoever holds an API token of its account sees it
 * through the public API; an operator (admin token) may look through the console's API instead.
 */
export function PredictionPage({ id }: { id: string }) {
  const apiToken = useToken("api");
  const adminToken = useToken("admin");
  const [asOperator, setAsOperator] = useState(false);
  const operator = adminToken !== null && (asOperator || apiToken === null);
  return (
    <section>
      <h1>Prediction {id}</h1>
      {adminToken !== null && apiToken !== null ? (
        <button type="button" className="link" onClick={() => setAsOperator(!asOperator)}>
          {asOperator ? "view with my API token" : "view as operator"}
        </button>
      ) : null}
      {operator ? (
        <OperatorPrediction id={id} />
      ) : (
        <TokenGate kind="api">
          <LivePrediction id={id} />
        </TokenGate>
      )}
    </section>
  );
}

function OperatorPrediction({ id }: { id: string }) {
  const [p, setP] = useState<ShownPrediction | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    trpc.predictions.get.query({ id }).then(setP, setError);
    const sub = trpc.predictions.watch.subscribe({ id }, { onData: (e) => setP(e.data), onError: setError });
    return () => sub.unsubscribe();
  }, [id]);
  return (
    <>
      <ErrorNote error={error} />
      {p ? <PredictionView p={p} /> : null}
    </>
  );
}
