import { existsSync } from "node:fs";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { Hono } from "hono";
import { type AdminDeps, credentialsFrom } from "./context.ts";
import { appRouter } from "./router.ts";

export interface HttpOptions {
  /** Origin of the public gateway API, relayed under `/api`. */
  apiUrl: string;
  /** The built web UI (`vite build` output). */
  webDir: string;
}

/** Hop-by-hop headers, and those `fetch` sets itself or undoes (it decompresses). */
const DROP_REQUEST = ["host", "connection", "keep-alive", "content-length", "transfer-encoding", "accept-encoding"];
const DROP_RESPONSE = ["connection", "keep-alive", "content-length", "transfer-encoding", "content-encoding"];

/**
 * Relays `/api/<path>` to `<apiUrl>/<path>` unchanged (method, body, the user's Authorization):
 * the web UI calls the public API from its own origin, so the gateway needs no CORS.
 */
async function relay(req: Request, apiUrl: string): Promise<Response> {
  const url = new URL(req.url);
  const target = `${apiUrl.replace(/\/+$/, "")}${url.pathname.replace(/^\/api/, "")}${url.search}`;
  const headers = new Headers(req.headers);
  for (const h of DROP_REQUEST) headers.delete(h);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const res = await fetch(target, {
    method: req.method,
    headers,
    body: hasBody ? req.body : null,
    redirect: "manual",
    signal: req.signal,
    ...(hasBody ? { duplex: "half" } : {}),
  } as RequestInit);
  const out = new Headers(res.headers);
  for (const h of DROP_RESPONSE) out.delete(h);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers: out });
}

/** The admin server's routes: tRPC at `/trpc`, the API relay at `/api`, the web UI at `/`. */
export function createHttpApp(deps: AdminDeps, o: HttpOptions): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ ok: true }));

  app.all("/trpc/*", (c) =>
    fetchRequestHandler({
      endpoint: "/trpc",
      req: c.req.raw,
      router: appRouter,
      // Failures are logged by the error middleware (trpc.ts), once.
      createContext: ({ req, info }) => ({ ...deps, ...credentialsFrom(req.headers, info.connectionParams) }),
    }),
  );

  app.all("/api/*", async (c) => {
    try {
      return await relay(c.req.raw, o.apiUrl);
    } catch (err) {
      deps.log.warn("api relay failed", { path: c.req.path, err: String(err) });
      return c.json({ title: "Bad gateway", detail: "The Gantry API could not be reached.", status: 502 }, 502);
    }
  });

  const index = join(o.webDir, "index.html");
  if (!existsSync(index)) {
    deps.log.warn("web UI not built: run `npm run build -w @gantry/admin`", { webDir: o.webDir });
    app.get("*", (c) => c.text("The admin web UI is not built: run `npm run build -w @gantry/admin`.", 503));
    return app;
  }
  app.use(
    "/assets/*",
    serveStatic({
      root: o.webDir,
      onFound: (_path, c) => c.header("Cache-Control", "public, max-age=31536000, immutable"),
    }),
  );
  app.use("*", serveStatic({ root: o.webDir }));
  // Client-side routes (`/p/<id>`, `/playground/…`) all get the app's page.
  app.get("*", serveStatic({ path: index, onFound: (_path, c) => c.header("Cache-Control", "no-cache") }));
  return app;
}
