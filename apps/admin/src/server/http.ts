import { existsSync } from "node:fs";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { Hono } from "hono";
import { relay } from "./api-relay.ts";
import { type AdminDeps, credentialsFrom } from "./context.ts";
import { consoleCsp } from "./core/web-policy.ts";
import { appRouter } from "./router.ts";

export interface HttpOptions {
  /** Origin of the public gateway API, relayed under `/api`. */
  apiUrl: string;
  /** The API's public origin, when it is not `apiUrl`: the pages load output files and streams from it. */
  publicUrl?: string | undefined;
  /** The built web UI (`vite build` output). */
  webDir: string;
}

/** The admin server's routes: tRPC at `/trpc`, the API relay at `/api`, the web UI at `/`. */
export function createHttpApp(deps: AdminDeps, o: HttpOptions): Hono {
  const app = new Hono();
  const csp = consoleCsp([o.apiUrl, o.publicUrl].flatMap((u) => (u ? [new URL(u).origin] : [])));
  // Every answer: never sniffed, framed or given a referrer; pages under the console's CSP
  // (relayed API answers carry a sandboxing one of their own).
  app.use(async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set("x-content-type-options", "nosniff");
    h.set("x-frame-options", "DENY");
    h.set("referrer-policy", "no-referrer");
    h.set("cross-origin-opener-policy", "same-origin");
    if (!h.has("content-security-policy")) h.set("content-security-policy", csp);
  });
  app.get("/healthz", (c) => c.json({ ok: true }));

  app.all("/trpc/*", (c) =>
    fetchRequestHandler({
      endpoint: "/trpc",
      req: c.req.raw,
      router: appRouter,
      // Failures are logged by the error middleware (trpc.ts), once. Credentials come from headers
      // only: never from the URL (`connectionParams`), which proxies and logs keep.
      createContext: ({ req }) => ({ ...deps, ...credentialsFrom(req.headers) }),
    }),
  );

  app.all("/api/*", (c) => relay(c.req.raw, o.apiUrl, deps.log));

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
