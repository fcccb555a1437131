import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import type { Logger } from "@gantry/platform/logger";
import type { TopologyOptions } from "@gantry/platform/topology";
import { serve } from "@hono/node-server";
import type { NatsConnection } from "@nats-io/nats-core";
import { createAdminDeps } from "./deps.ts";
import { createHttpApp } from "./http.ts";

/** `apps/admin/dist`: where `vite build` writes the web UI. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL("../../dist", import.meta.url));

export interface AdminConfig {
  /** 0 picks a free port. */
  port: number;
  host: string;
  adminToken: string;
  /** Origin of the public gateway API. */
  apiUrl: string;
  /** The API's public origin, when it is not `apiUrl` (output files and streams come from it). */
  publicUrl?: string | undefined;
  webDir: string;
  agentStaleMs: number;
  topology: TopologyOptions;
  /** Queue-depth sampling for the chart (default 5 s). */
  queueSampleMs?: number;
}

export interface AdminDepsIn {
  nc: NatsConnection;
  now: () => Date;
  log: Logger;
  config: AdminConfig;
}

export interface AdminService {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The admin server: the tRPC API, the relay to the public API and the web UI, on one port. */
export async function start({ nc, now, log, config }: AdminDepsIn): Promise<AdminService> {
  const deps = await createAdminDeps({
    nc,
    now,
    log,
    adminToken: config.adminToken,
    topology: config.topology,
    agentStaleMs: config.agentStaleMs,
    queueSampleMs: config.queueSampleMs ?? 5000,
  });
  const app = createHttpApp(deps, { apiUrl: config.apiUrl, publicUrl: config.publicUrl, webDir: config.webDir });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
    s.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host}:${port}`;
  log.info("admin listening", { url });
  return {
    url,
    port,
    async stop() {
      deps.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open SSE subscriptions would hold `close` forever.
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
    },
  };
}
