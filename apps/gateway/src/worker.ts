import { DurableObject } from "cloudflare:workers";
import { randomId, randomToken } from "@gantry/platform/ids";
import { createLogger } from "@gantry/platform/logger";
import { signingSecret } from "@gantry/platform/signing-secret";
import { ensureTopology } from "@gantry/platform/topology";
import { wsconnect } from "@nats-io/nats-core";
import { createApp } from "./app.ts";
import { WorkerVars } from "./worker-env.ts";

type Gateway = ReturnType<typeof createApp>;

/**
 * The gateway on workerd. A Worker may not keep a NATS connection across requests, so one
 * Durable Object holds it (over WebSocket) with the whole app, its caches, stream fan-out and
 * WebSocket sessions; the Worker only forwards to it.
 */
export class GatewayHub extends DurableObject<Env> {
  readonly #gateway: Promise<Gateway>;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#gateway = boot(WorkerVars.parse(env));
  }

  override async fetch(request: Request): Promise<Response> {
    const gateway = await this.#gateway;
    if (request.headers.get("upgrade") === "websocket" && new URL(request.url).pathname === "/v1/ws") {
      const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
      server.accept();
      const session = gateway.openWebSocket({
        send: (text) => server.send(text),
        // workerd does not expose the socket's queue; slow readers are bounded by the hub's queues.
        bufferedAmount: () => 0,
        close: (code, reason) => server.close(code, reason),
      });
      server.addEventListener("message", (e) => session.onMessage(String(e.data)));
      server.addEventListener("close", () => void session.onClose());
      return new Response(null, { status: 101, webSocket: client });
    }
    return gateway.app.fetch(request);
  }
}

async function boot(vars: WorkerVars): Promise<Gateway> {
  const log = createLogger({ svc: "gateway", runtime: "workerd" }, (line) => console.log(line));
  const nc = await wsconnect({
    servers: vars.NATS_WS_URL,
    name: "gateway-workerd",
    maxReconnectAttempts: -1,
    noAsyncTraces: true,
  });
  const buckets = await ensureTopology(nc, {
    replicas: vars.GANTRY_NATS_REPLICAS,
    retentionMs: vars.GANTRY_RETENTION_MS,
  });
  return createApp({
    runtime: "workerd",
    nc,
    buckets,
    signingSecret: await signingSecret(buckets.accounts, vars.GANTRY_SIGNING_SECRET),
    now: () => new Date(),
    newId: randomId,
    newToken: randomToken,
    log,
    publicUrl: vars.GANTRY_PUBLIC_URL,
    allowVersionCommands: vars.GANTRY_ALLOW_VERSION_COMMANDS,
    webhooks: { allowPrivate: vars.GANTRY_WEBHOOKS_ALLOW_PRIVATE },
    rateLimits: { createPerMinute: vars.GANTRY_RATE_LIMIT_CREATE, otherPerMinute: vars.GANTRY_RATE_LIMIT_OTHER },
  });
}

export default {
  fetch(request, env) {
    return env.GATEWAY_HUB.get(env.GATEWAY_HUB.idFromName("gateway")).fetch(request);
  },
} satisfies ExportedHandler<Env>;
