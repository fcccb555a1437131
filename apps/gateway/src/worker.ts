import { DurableObject } from "cloudflare:workers";
import { randomId, randomToken } from "@gantry/platform/ids";
import { createLogger } from "@gantry/platform/logger";
import { natsAuth } from "@gantry/platform/nats-credentials";
import { skipSettledRequestErrors } from "@gantry/platform/nats-request-cancel";
import { signingSecret } from "@gantry/platform/signing-secret";
import { openTopology } from "@gantry/platform/topology";
import { wsconnect } from "@nats-io/nats-core";
import { createApp } from "./app.ts";
import { WorkerVars } from "./worker-env.ts";
import { MAX_WS_MESSAGE_BYTES } from "./ws-session.ts";

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
      // workerd throws on a send or close after the peer has gone: a session outliving its socket is no error.
      const quietly = (act: () => void) => {
        try {
          act();
        } catch {}
      };
      const session = gateway.openWebSocket({
        send: (text) => quietly(() => server.send(text)),
        // workerd does not expose the socket's queue; slow readers are bounded by the hub's queues.
        bufferedAmount: () => 0,
        close: (code, reason) => quietly(() => server.close(code, reason)),
      });
      server.addEventListener("message", (e) => {
        if (typeof e.data !== "string") return quietly(() => server.close(1003, "text frames only"));
        // Bytes, not UTF-16 units: a message of 3-byte characters is three times its length.
        if (
          e.data.length > MAX_WS_MESSAGE_BYTES ||
          new TextEncoder().encode(e.data).byteLength > MAX_WS_MESSAGE_BYTES
        ) {
          return quietly(() => server.close(1009, "message too big"));
        }
        session.onMessage(e.data);
      });
      server.addEventListener("close", () => void session.onClose());
      server.addEventListener("error", () => void session.onClose());
      return new Response(null, { status: 101, webSocket: client });
    }
    const res = await gateway.app.fetch(request);
    // A request answered before its body was read (a 404 for another account's deployment, a
    // 413, a 401) must still have that body read to its end: a cut stream surfaces as an uncaught
    // "Can't read from request stream after response has been sent" that restarts the Worker
    // (the fuzz suite saw it), and wrangler dev stalls the client's next request on that
    // connection. Read and dropped chunk by chunk, up to a bound.
    if (request.body && !request.bodyUsed) await drain(request.body);
    return res;
  }
}

/** Bytes of an unread request body read and dropped at most (uploads are limited to 100 MB). */
const MAX_DRAIN_BYTES = 128 * 1024 * 1024;

async function drain(body: ReadableStream<Uint8Array>): Promise<void> {
  try {
    const reader = body.getReader();
    for (let read = 0; read <= MAX_DRAIN_BYTES; ) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // locked by a reader of the app's, or the client went away: nothing left to do
  }
}

async function boot(vars: WorkerVars): Promise<Gateway> {
  const log = createLogger({ svc: "gateway", runtime: "workerd" }, (line) => console.log(line));
  skipSettledRequestErrors();
  const nc = await wsconnect({
    servers: vars.NATS_WS_URL,
    name: "gateway-workerd",
    maxReconnectAttempts: -1,
    noAsyncTraces: true,
    ...natsAuth("gateway", vars.NATS_NKEY_SEED),
  });
  const buckets = await openTopology(nc, { identity: "gateway", log });
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
    webhooks: { allowPrivate: vars.GANTRY_WEBHOOKS_ALLOW_PRIVATE },
    rateLimits: { createPerMinute: vars.GANTRY_RATE_LIMIT_CREATE, otherPerMinute: vars.GANTRY_RATE_LIMIT_OTHER },
  });
}

export default {
  fetch(request, env) {
    return env.GATEWAY_HUB.get(env.GATEWAY_HUB.idFromName("gateway")).fetch(request);
  },
} satisfies ExportedHandler<Env>;
