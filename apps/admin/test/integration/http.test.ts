import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { silentLogger } from "@gantry/platform/logger";
import { DEFAULT_TOPOLOGY, ensureTopology } from "@gantry/platform/topology";
import { type NatsServer, startNatsServer } from "@gantry/testing/nats-server";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from "@trpc/client";
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AppRouter } from "../../src/server/router.ts";
import { type AdminService, start } from "../../src/server/service.ts";
import { ADMIN_TOKEN, predictionRecord } from "../helpers.ts";

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  type: string | undefined;
  body: Buffer;
}

let nats: NatsServer;
let nc: NatsConnection;
let admin: AdminService;
let upstream: Server;
const seen: Seen[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect(nats.connectOptions());
  await ensureTopology(nc, DEFAULT_TOPOLOGY);
  // Stands in for the gateway: records what the relay sends, answers 201 with JSON.
  upstream = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        auth: req.headers.authorization,
        type: req.headers["content-type"],
        body: Buffer.concat(chunks),
      });
      res.writeHead(201, { "content-type": "application/json", "x-upstream": "yes" });
      res.end(JSON.stringify({ id: "f1", urls: { get: "http://gw/v1/files/f1" } }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  admin = await start({
    nc,
    now: () => new Date(),
    log: silentLogger,
    config: {
      port: 0,
      host: "127.0.0.1",
      adminToken: ADMIN_TOKEN,
      apiUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
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

const client = (token: string | null) =>
  createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url: `${admin.url}/trpc`,
          EventSource,
          eventSourceOptions: {
            fetch: (url, init) =>
              fetch(url, {
                ...init,
                headers: { ...init.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
              }),
          },
        }),
        false: httpBatchLink({
          url: `${admin.url}/trpc`,
          headers: token ? { authorization: `Bearer ${token}` } : {},
        }),
      }),
    ],
  });

describe("tRPC over HTTP", () => {
  it("answers queries with the admin token and 401 without", async () => {
    expect(await client(ADMIN_TOKEN).whoami.query()).toEqual({ role: "admin" });
    const err = await client(null)
      .agents.list.query()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect((err as TRPCClientError<AppRouter>).data).toMatchObject({ code: "UNAUTHORIZED", httpStatus: 401 });
  });

  it("keeps zod issues and the Gantry code in the error data", async () => {
    const bad = (await client(ADMIN_TOKEN)
      .deployments.setScale.mutate({ owner: "dev", name: "x", min_instances: 3, max_instances: 1 })
      .catch((e: unknown) => e)) as TRPCClientError<AppRouter>;
    expect(bad.data?.code).toBe("BAD_REQUEST");
    expect(bad.data?.zodIssues?.[0]).toMatchObject({
      path: ["min_instances"],
      message: "min_instances must not be greater than max_instances",
    });
    const missing = (await client(ADMIN_TOKEN)
      .deployments.setScale.mutate({ owner: "dev", name: "x", min_instances: 0, max_instances: 1 })
      .catch((e: unknown) => e)) as TRPCClientError<AppRouter>;
    expect(missing.data).toMatchObject({ code: "NOT_FOUND", httpStatus: 404, appCode: "NOT_FOUND" });
  });

  it("streams live prediction changes over SSE (token in the Authorization header)", async () => {
    const r = predictionRecord({ account_id: "sse" });
    // The server subscribes to NATS once the stream has started; notices go out until one arrives.
    let timer: NodeJS.Timeout | undefined;
    const got = await new Promise<{ id: string; status: string }>((resolve, reject) => {
      const sub = client(ADMIN_TOKEN).predictions.live.subscribe(
        { account: "sse" },
        {
          onStarted: () => {
            const notice = JSON.stringify({ revision: 3, record: r });
            timer = setInterval(() => nc.publish(`predictions.v1.changed.${r.id}`, notice), 50);
          },
          onData: (e) => {
            sub.unsubscribe();
            resolve({ id: e.id, status: e.data.status });
          },
          onError: reject,
        },
      );
    }).finally(() => clearInterval(timer));
    expect(got).toEqual({ id: `${r.id}:3`, status: "starting" });
  });

  it("refuses a subscription without the admin token", async () => {
    const err = await new Promise<unknown>((resolve) => {
      const sub = client(null).predictions.live.subscribe(
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
    expect((err as TRPCClientError<AppRouter>).data?.code).toBe("UNAUTHORIZED");
  });
});

describe("web UI and API relay", () => {
  it("serves the built UI at / and at every client route", async () => {
    for (const path of ["/", "/p/abc", "/admin/agents", "/playground/gantry/test"]) {
      const res = await fetch(`${admin.url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<div id="root">');
    }
    const html = await (await fetch(admin.url)).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] ?? "";
    const js = await fetch(`${admin.url}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("cache-control")).toContain("immutable");
  });

  it("relays /api/* to the public API unchanged: method, path, query, token and body", async () => {
    const form = new FormData();
    form.append("content", new Blob([new Uint8Array([1, 2, 3, 250])], { type: "image/png" }), "x.png");
    const res = await fetch(`${admin.url}/api/v1/files?x=1`, {
      method: "POST",
      headers: { authorization: "Bearer r8_user" },
      body: form,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-upstream")).toBe("yes");
    expect(await res.json()).toMatchObject({ id: "f1" });
    const last = seen.at(-1);
    expect(last).toMatchObject({ method: "POST", url: "/v1/files?x=1", auth: "Bearer r8_user" });
    expect(last?.type).toMatch(/^multipart\/form-data; boundary=/);
    expect(last?.body.includes(Buffer.from([1, 2, 3, 250]))).toBe(true);
  });

  it("answers 502 when the public API is down", async () => {
    upstream.close();
    upstream.closeAllConnections();
    const res = await fetch(`${admin.url}/api/v1/predictions`);
    expect(res.status).toBe(502);
  });
});
