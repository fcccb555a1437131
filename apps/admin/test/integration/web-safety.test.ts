import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger } from "@gantry/platform/logger";
import { DEFAULT_TOPOLOGY, ensureTopology } from "@gantry/platform/topology";
import { type NatsServer, startNatsServer } from "@gantry/testing/nats-server";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { createTRPCClient, httpSubscriptionLink, type TRPCClientError } from "@trpc/client";
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AppRouter } from "../../src/server/router.ts";
import { type AdminService, start } from "../../src/server/service.ts";
import { ADMIN_TOKEN, predictionRecord } from "../helpers.ts";

const SCRIPT = "<script>localStorage.setItem('stolen', localStorage.getItem('gantry.adminToken'))</script>";
let nats: NatsServer;
let nc: NatsConnection;
let admin: AdminService;
let upstream: Server;
let apiOrigin: string;
const asked: string[] = [];
const logs: string[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect(nats.connectOptions());
  await ensureTopology(nc);
  // Stands in for the gateway: a download, an HTML page, and JSON for everything else.
  upstream = createServer((req, res) => {
    asked.push(req.url ?? "");
    if (/\/download/.test(req.url ?? "")) {
      res.writeHead(200, { "content-type": "text/html", "content-disposition": 'attachment; filename="x.html"' });
      return res.end(SCRIPT);
    }
    if (req.url?.startsWith("/v1/html")) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(SCRIPT);
    }
    if (req.url?.startsWith("/v1/gone")) {
      res.writeHead(204);
      return res.end();
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  apiOrigin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  admin = await start({
    nc,
    now: () => new Date(),
    log: createLogger({ svc: "admin" }, (line) => logs.push(line)),
    config: {
      port: 0,
      host: "127.0.0.1",
      adminToken: ADMIN_TOKEN,
      apiUrl: apiOrigin,
      publicUrl: "https://api.gantry.example/",
      webDir: inject("webDir"),
      agentStaleMs: 5000,
      topology: DEFAULT_TOPOLOGY,
    },
  });
});
afterAll(async () => {
  await admin?.stop();
  upstream?.close();
  await nc?.close();
  await nats?.[Symbol.asyncDispose]();
});

describe("the console's origin never serves tenant bytes", () => {
  it.each([
    "/api/v1/files/f1/download?owner=dev&expiry=9999999999&signature=abc",
    "/api/v1/files/f1/%64ownload?owner=dev&expiry=9999999999&signature=abc",
    "/api//v1/files/f1/DOWNLOAD",
    "/api/v1/streams/p1/capability-token",
    "/api/docs",
  ])("refuses %s (403 problem) without asking the API", async (path) => {
    const before = asked.length;
    const res = await fetch(`${admin.url}${path}`);
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ title: "Not relayed", status: 403 });
    expect(asked.length).toBe(before);
  });

  it("refuses an API answer that is not JSON (502), whatever its path", async () => {
    const res = await fetch(`${admin.url}/api/v1/html`);
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(text).not.toContain("<script>");
    expect(JSON.parse(text)).toMatchObject({ title: "Bad gateway", status: 502 });
    expect(asked.at(-1)).toBe("/v1/html");
  });

  it("relays JSON and empty answers, sandboxed and never sniffed", async () => {
    const json = await fetch(`${admin.url}/api/v1/predictions?cursor=x`);
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({ ok: true });
    expect(json.headers.get("content-security-policy")).toContain("sandbox");
    expect(json.headers.get("x-content-type-options")).toBe("nosniff");
    const empty = await fetch(`${admin.url}/api/v1/gone`, { method: "DELETE" });
    expect(empty.status).toBe(204);
  });
});

describe("the console's pages", () => {
  it("run only the console's own scripts, are never framed, sniffed or given a referrer", async () => {
    for (const path of ["/", "/admin", "/playground/gantry/test"]) {
      const res = await fetch(`${admin.url}${path}`);
      expect(res.status, path).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("script-src 'self';");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(csp, path).toContain("base-uri 'none'");
      expect(csp, path).not.toMatch(/unsafe-inline|unsafe-eval/);
      // Output files and streams come from the API's origins, named exactly.
      expect(csp, path).toContain(`connect-src 'self' ${apiOrigin} https://api.gantry.example;`);
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), path).toBe("no-referrer");
    }
  });
});

describe("no secret in a URL or a log line", () => {
  /** A subscription client; `onUrl` sees every URL its EventSource asks for. */
  const subscriber = (
    auth: { header?: string; connectionParams?: Record<string, string> },
    onUrl: (u: string) => void,
  ) =>
    createTRPCClient<AppRouter>({
      links: [
        httpSubscriptionLink({
          url: `${admin.url}/trpc`,
          EventSource,
          ...(auth.connectionParams ? { connectionParams: auth.connectionParams } : {}),
          eventSourceOptions: {
            fetch: (url, init) => {
              onUrl(String(url));
              const headers = auth.header ? { ...init.headers, authorization: auth.header } : init.headers;
              return fetch(url, { ...init, headers });
            },
          },
        }),
      ],
    });

  it("subscriptions carry the admin token in a header, never in the URL", async () => {
    const urls: string[] = [];
    const r = predictionRecord({ account_id: "urls" });
    let timer: NodeJS.Timeout | undefined;
    const got = await new Promise<string>((resolve, reject) => {
      const sub = subscriber({ header: `Bearer ${ADMIN_TOKEN}` }, (u) => urls.push(u)).predictions.live.subscribe(
        { account: "urls" },
        {
          onStarted: () => {
            timer = setInterval(
              () => nc.publish(`predictions.v1.changed.${r.id}`, JSON.stringify({ revision: 1, record: r })),
              50,
            );
          },
          onData: (e) => {
            sub.unsubscribe();
            resolve(e.data.id);
          },
          onError: reject,
        },
      );
    }).finally(() => clearInterval(timer));
    expect(got).toBe(r.id);
    expect(urls.length).toBeGreaterThan(0);
    for (const u of urls) expect(u).not.toContain(ADMIN_TOKEN);
  });

  it("the server refuses a token sent in the URL (connectionParams)", async () => {
    const urls: string[] = [];
    const err = await new Promise<unknown>((resolve) => {
      const sub = subscriber({ connectionParams: { token: ADMIN_TOKEN } }, (u) =>
        urls.push(u),
      ).predictions.live.subscribe(
        {},
        {
          onData: () => {},
          onError: (e) => {
            sub.unsubscribe();
            resolve(e);
          },
        },
      );
    });
    // The token was in the URL (as tRPC puts connectionParams), and that did not count.
    expect(urls.some((u) => u.includes(ADMIN_TOKEN))).toBe(true);
    expect((err as TRPCClientError<AppRouter>).data?.code).toBe("UNAUTHORIZED");
  });

  it("relay failures are logged by resource: no ids, capabilities or query strings", async () => {
    upstream.close();
    upstream.closeAllConnections();
    const res = await fetch(`${admin.url}/api/v1/predictions/p0123456789/cancel?signature=SeCrEtSiGnAtUrE`, {
      method: "POST",
    });
    expect(res.status).toBe(502);
    const line = logs.find((l) => l.includes("api relay failed"));
    expect(JSON.parse(line ?? "{}")).toMatchObject({ level: "warn", method: "POST", resource: "/api/v1/predictions" });
    const all = logs.join("\n");
    expect(all).not.toContain("p0123456789");
    expect(all).not.toContain("SeCrEtSiGnAtUrE");
    expect(all).not.toContain(ADMIN_TOKEN);
  });
});
