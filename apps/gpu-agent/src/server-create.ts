import type { RunRequest } from "@gantry/contracts/jobs";
import { startHop } from "@gantry/platform/trace-context";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { CogClient, StreamAnswer } from "./cog-client.ts";
import { NO_FEATURES, type ServerFeatures, serverFeatures } from "./core/server-features.ts";
import { webhookUrlForContainer } from "./core/server-launch.ts";
import type { ModelInstance } from "./model-instance.ts";

/** A model server's answer to a create; `stream` when it answered with the event stream. */
export interface CreateAnswer {
  status: number;
  body: unknown;
  stream?: StreamAnswer;
}

/**
 * One create of a run on its server (cog-http-protocol.md §7): a `PUT` with a webhook back to
 * the agent, or (`sse`) one answered with the prediction's event stream. Either carries the run
 * request's `traceparent`.
 */
export async function createOnServer(
  req: RunRequest,
  instance: ModelInstance,
  client: CogClient,
  sse: boolean,
  webhookUrl: (predictionId: string) => string,
): Promise<CreateAnswer> {
  // The agent's hop of the prediction's trace: the model server's create is its child.
  const hop = startHop(
    "gantry.prediction.create_on_server",
    req.traceparent,
    { "gantry.prediction_id": req.prediction_id, "gantry.model": req.model, "gantry.hardware": req.hardware },
    SpanKind.CLIENT,
  );
  const options = { traceparent: hop.traceparent };
  try {
    if (sse) {
      const answer = await client.stream(req.prediction_id, req.input, options);
      return { status: answer.status, body: answer.body, ...(answer.events ? { stream: answer } : {}) };
    }
    // A server in a container reaches the agent's host by name (its loopback is its own).
    const hook = webhookUrl(req.prediction_id);
    const url = instance.runtime.kind === "image" ? webhookUrlForContainer(hook) : hook;
    return await client.start(req.prediction_id, req.input, url, options);
  } catch (err) {
    hop.span.setStatus({ code: SpanStatusCode.ERROR });
    throw err;
  } finally {
    hop.span.end();
  }
}

/** Each server's `/openapi.json` features, read once (none when it serves no schema). */
export class FeaturesCache {
  readonly #features = new WeakMap<ModelInstance, Promise<ServerFeatures>>();

  of(instance: ModelInstance): Promise<ServerFeatures> {
    let features = this.#features.get(instance);
    if (!features) {
      features = (instance.client?.openapi() ?? Promise.resolve(null)).then(serverFeatures, () => NO_FEATURES);
      this.#features.set(instance, features);
    }
    return features;
  }
}
