import { AppError, NOT_FOUND_DETAIL, UNAUTHENTICATED_DETAIL } from "@gantry/contracts/errors";
import { MAX_JSON_BODY_BYTES, PAYLOAD_TOO_LARGE_BODY_DETAIL } from "@gantry/contracts/limits";
import { type Context, Hono, type MiddlewareHandler, type Next } from "hono";
import { routePath } from "hono/route";
import { bodyLimit } from "./body-limit.ts";
import { parseAuthorization } from "./core/auth.ts";
import { ANSWER_HEADERS, API_CSP } from "./core/content-safety.ts";
import { checkPathIds } from "./core/path-ids.ts";
import { DeploymentService } from "./deployments-service.ts";
import type { GatewayDeps, GatewayEnv } from "./deps.ts";
import { NatsAvailability, natsOutage } from "./nats-availability.ts";
import { PredictionService } from "./prediction-service.ts";
import { DEFAULT_RATE_LIMITS, rateLimiter } from "./rate-limiter.ts";
import { collectionRoutes } from "./routes/collections.ts";
import { deploymentRoutes } from "./routes/deployments.ts";
import { docsRoutes } from "./routes/docs.ts";
import { fileDownloadRoutes, fileRoutes } from "./routes/files.ts";
import { modelRoutes } from "./routes/models.ts";
import { openAiRoutes } from "./routes/openai.ts";
import { platformRoutes } from "./routes/platform.ts";
import { predictionRoutes } from "./routes/predictions.ts";
import { streamRoutes } from "./routes/streams.ts";
import { trainingRoutes } from "./routes/trainings.ts";
import { usageRoutes } from "./routes/usage.ts";
import { StreamHub } from "./stream-hub.ts";
import { TtlCache } from "./ttl-cache.ts";
import { openWsSession, type WsConnection } from "./ws-session.ts";

/** Seconds a client waits before retrying a 503 that names no time of its own. */
const UNAVAILABLE_RETRY_AFTER_S = 5;

const problem = (err: AppError) => {
  const retryAfter = err.retryAfter ?? (err.status === 503 ? UNAVAILABLE_RETRY_AFTER_S : undefined);
  return new Response(
    JSON.stringify({ ...err.toProblem(), ...(retryAfter !== undefined ? { retry_after: retryAfter } : {}) }),
    {
      status: err.status,
      headers: {
        "content-type": "application/problem+json",
        ...(retryAfter !== undefined ? { "retry-after": String(retryAfter) } : {}),
      },
    },
  );
};

/**
 * The gateway: Replicate's HTTP API as a Web-standard fetch handler (Node and workerd alike), and
 * the WebSocket session the runtime adapters attach to `GET /v1/ws` upgrades.
 */
export function createApp(deps: GatewayDeps) {
  const svc = new PredictionService(deps);
  const hub = new StreamHub(deps.nc, deps.log, deps.onReaders);
  const tokens = new TtlCache<string | null>(deps.cacheTtlMs ?? 2000, () => deps.now().getTime());
  const nats = new NatsAvailability(deps.nc);
  const app = new Hono<GatewayEnv>();

  // Every response: never sniffed, never a referrer, and a CSP under which nothing runs unless the
  // route set its own (downloads, /docs).
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    deps.observe?.({
      method: c.req.method,
      route: routePath(c),
      status: c.res.status,
      seconds: (performance.now() - started) / 1000,
    });
    for (const [name, value] of Object.entries(ANSWER_HEADERS)) c.res.headers.set(name, value);
    if (!c.res.headers.has("content-security-policy")) c.res.headers.set("content-security-policy", API_CSP);
  });
  // Logs name the route's pattern, never its path: stream paths and download queries are credentials.
  app.onError((err, c) => {
    const at = { method: c.req.method, route: routePath(c) };
    if (err instanceof AppError) {
      if (!err.expected) deps.log.error("request failed", { ...at, err: err.message });
      return problem(err);
    }
    const outage = natsOutage(err);
    if (outage) {
      deps.log.warn("NATS unavailable", { ...at, err: String(err) });
      return problem(outage);
    }
    deps.log.error("unhandled error", { ...at, err: String(err), stack: (err as Error).stack });
    return problem(
      new AppError("INTERNAL", "Something went wrong on our side; it has been logged.", { expected: false }),
    );
  });
  app.notFound(() => problem(new AppError("NOT_FOUND", NOT_FOUND_DETAIL)));

  app.get("/health", (c) => c.json({ ok: true, runtime: deps.runtime ?? "node" }));
  app.route("/", docsRoutes(deps.publicUrl));

  const v1 = new Hono<GatewayEnv>();
  const jsonBodyLimit = bodyLimit(MAX_JSON_BODY_BYTES, () => {
    throw new AppError("PAYLOAD_TOO_LARGE", PAYLOAD_TOO_LARGE_BODY_DETAIL);
  });
  // Uploads stream to the object store and enforce their own 100 MB limit while reading (files-service.ts).
  // Ids and names in the path are checked against their contracts before any route uses them:
  // here for the capability routes, after authentication for the rest (no token is a 401 first).
  const pathIds = (c: Context<GatewayEnv>, next: Next) => {
    checkPathIds(new URL(c.req.url).pathname);
    return next();
  };
  const natsUp: MiddlewareHandler<GatewayEnv> = async (_c, next) => {
    await nats.ready();
    return next();
  };
  const setBaseUrl: MiddlewareHandler<GatewayEnv> = async (c, next) => {
    c.set("baseUrl", deps.publicUrl ?? new URL(c.req.url).origin);
    await next();
  };
  const accountOf = async (header: string | undefined): Promise<string | null> => {
    const token = parseAuthorization(header);
    return token
      ? await tokens.get(token, async () => (await svc.registry.findToken(token))?.account_id ?? null)
      : null;
  };
  // Shared by every gateway through NATS KV (docs/operations.md).
  const limiter = rateLimiter(deps.rateLimits ?? DEFAULT_RATE_LIMITS, deps.now, deps.buckets.rateLimits);

  // The OpenAI-compatible API (errors in OpenAI's shape): all of it under /openai/v1, and its two
  // completion endpoints under /v1 too (GET /v1/models stays Replicate's).
  const openAiGuards = {
    nats: natsUp,
    bodyLimit: jsonBodyLimit,
    authenticate: (async (c, next) => {
      const accountId = await accountOf(c.req.header("authorization"));
      if (!accountId) throw new AppError("UNAUTHENTICATED", "Incorrect API key provided.");
      c.set("account", { id: accountId });
      return setBaseUrl(c, next);
    }) as MiddlewareHandler<GatewayEnv>,
    rateLimit: limiter,
  };
  app.route("/openai/v1", openAiRoutes(svc, hub, deps, openAiGuards, true));
  app.route("/v1", openAiRoutes(svc, hub, deps, openAiGuards, false));

  v1.use("/streams/*", pathIds);
  v1.use("/files/:id/download", pathIds);
  // Every route below needs NATS: while it is down, a prompt 503 with Retry-After, nothing attempted.
  v1.use(natsUp);
  v1.use((c, next) => (c.req.method === "POST" && c.req.path === "/v1/files" ? next() : jsonBodyLimit(c, next)));
  v1.use(setBaseUrl);
  // Capability URLs: the URL is the credential, so no Authorization header is asked for.
  v1.route("/", streamRoutes(svc, hub, deps));
  v1.route("/", fileDownloadRoutes(deps));
  // ── routes that need no Authorization header (capabilities, signed URLs) above this line ──
  v1.use(async (c, next) => {
    const accountId = await accountOf(c.req.header("authorization"));
    if (!accountId) {
      return c.json({ title: "Unauthenticated", detail: UNAUTHENTICATED_DETAIL, status: 401 }, 401, {
        "content-type": "application/problem+json",
      });
    }
    c.set("account", { id: accountId });
    await next();
  });
  v1.use(pathIds);
  v1.use(limiter);
  v1.route("/", predictionRoutes(svc));
  v1.route("/", trainingRoutes(svc));
  v1.route("/", platformRoutes(svc));
  v1.route("/", fileRoutes(deps));
  v1.route("/", deploymentRoutes(new DeploymentService(deps, svc), svc));
  v1.route("/", modelRoutes(svc, deps));
  v1.route("/", collectionRoutes(svc, deps));
  v1.route("/", usageRoutes(deps));
  // ── authenticated routes above this line ──
  app.route("/v1", v1);
  return { app, openWebSocket: (conn: WsConnection) => openWsSession(conn, svc, hub, deps) };
}
