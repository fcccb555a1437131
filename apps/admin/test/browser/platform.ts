import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createLogger } from "@gantry/platform/logger";
import { DEFAULT_TOPOLOGY } from "@gantry/platform/topology";
import { type NatsServer, startNatsServer } from "@gantry/testing/nats-server";
import { type Stack, startStack } from "@gantry/testing/stack";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Browser, Page } from "playwright-core";
import { type AdminService, start } from "../../src/server/service.ts";
import { ADMIN_TOKEN } from "../helpers.ts";
import { launchChromium } from "./chromium.ts";

export const USER_TOKEN = "r8_admin_browser_test_token";
const SHOTS = fileURLToPath(new URL("../../screenshots/", import.meta.url));

export interface BrowserPlatform {
  nats: NatsServer;
  stack: Stack;
  nc: NatsConnection;
  admin: AdminService;
  browser: Browser;
  /** The public API with the dev user's token. */
  api(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** The whole platform (every service as a process), the admin server in-process, and chromium. */
export async function startBrowserPlatform(webDir: string): Promise<BrowserPlatform> {
  const nats = await startNatsServer();
  const stack = await startStack({
    nats,
    devToken: USER_TOKEN,
    env: { GANTRY_WEBHOOKS_ALLOW_PRIVATE: "1" },
    onOutput: (svc, line) => {
      if (/"level":"error"/.test(line)) process.stderr.write(`[${svc}] ${line}\n`);
    },
  });
  const nc = await connect(nats.connectOptions());
  const admin = await start({
    nc,
    now: () => new Date(),
    log: createLogger({ svc: "admin" }, () => {}),
    config: {
      port: 0,
      host: "127.0.0.1",
      adminToken: ADMIN_TOKEN,
      apiUrl: stack.baseUrl,
      webDir,
      agentStaleMs: 5000,
      topology: DEFAULT_TOPOLOGY,
      queueSampleMs: 500,
    },
  });
  const browser = await launchChromium();
  await mkdir(SHOTS, { recursive: true });
  return {
    nats,
    stack,
    nc,
    admin,
    browser,
    api: (path, init = {}) =>
      fetch(`${stack.baseUrl}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${USER_TOKEN}`, "content-type": "application/json", ...init.headers },
      }),
    async close() {
      await browser.close();
      await admin.stop();
      await nc.close();
      await stack.stop();
      await nats[Symbol.asyncDispose]();
    },
  };
}

/** Saves a full-page screenshot as `apps/admin/screenshots/<name>.png`; returns its path. */
export async function shot(page: Page, name: string): Promise<string> {
  const path = `${SHOTS}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Answers the page's token prompt. */
export async function enterToken(page: Page, kind: "api" | "admin", token: string): Promise<void> {
  await page.fill(`input[name=${kind}-token]`, token);
  await page.click(`[data-testid=${kind}-token-form] button[type=submit]`);
}
