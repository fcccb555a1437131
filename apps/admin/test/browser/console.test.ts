import type { Prediction } from "@gantry/contracts/prediction";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ADMIN_TOKEN } from "../helpers.ts";
import { type BrowserPlatform, enterToken, shot, startBrowserPlatform } from "./platform.ts";

let p: BrowserPlatform;
let operator: BrowserContext;
let page: Page;
let first: Prediction;

beforeAll(async () => {
  p = await startBrowserPlatform(inject("webDir"));
  first = (await (
    await p.api("/v1/models/gantry/test/predictions", {
      method: "POST",
      headers: { prefer: "wait" },
      body: JSON.stringify({ input: { tokens: 4 } }),
    })
  ).json()) as Prediction;
  operator = await p.browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await operator.newPage();
  await page.goto(`${p.admin.url}/admin`);
  await enterToken(page, "admin", ADMIN_TOKEN);
});
afterAll(async () => {
  await operator?.close();
  await p?.close();
});

const create = async (input: Record<string, unknown>) =>
  (await (
    await p.api("/v1/models/gantry/test/predictions", { method: "POST", body: JSON.stringify({ input }) })
  ).json()) as Prediction;

describe("admin console", () => {
  it("lists the prediction, and new ones appear live", async () => {
    await page.waitForSelector(`[data-testid=predictions-table] tr[data-prediction-id="${first.id}"]`);
    expect(await page.textContent(`tr[data-prediction-id="${first.id}"] .status`)).toBe("succeeded");
    const next = await create({ tokens: 3, sleep_ms: 300 });
    // No reload: the row arrives through the subscription, and follows the prediction to its end.
    await page.waitForSelector(`tr[data-prediction-id="${next.id}"] [data-status=succeeded]`, { timeout: 20_000 });
    await shot(page, "admin-predictions");
  });

  it("inspects a prediction and cancels a running one", async () => {
    const long = await create({ tokens: 1000, token_delay_ms: 50 });
    await page.click(`tr[data-prediction-id="${long.id}"] a`);
    await page.waitForSelector("[data-testid=prediction] [data-status=processing]", { timeout: 20_000 });
    await page.waitForFunction(() =>
      (document.querySelector("[data-testid=output]")?.textContent ?? "").includes("tok2"),
    );
    await page.click("button.danger");
    await page.waitForSelector("[data-testid=prediction] [data-status=canceled]");
    const stored = (await (await p.api(`/v1/predictions/${long.id}`)).json()) as Prediction;
    expect(stored.status).toBe("canceled");
    await shot(page, "admin-prediction");
  });

  it("shows the agent and its instances", async () => {
    await page.click("nav.sub a[href='/admin/agents']");
    const agent = await page.waitForSelector("[data-testid=agent][data-agent-id=agent-0]");
    await page.waitForFunction(() =>
      document.querySelector("[data-testid=agent] tbody")?.textContent?.includes("gantry/test"),
    );
    expect(await agent.textContent()).toContain("live");
    await shot(page, "admin-agents");
  });

  it("sets a deployment's min and max instances, and the agent boots what it asks for", async () => {
    // A model nothing has run yet: its only instance will be the one the deployment keeps warm.
    const version = p.stack.versions["gantry/text-stream"] ?? "";
    const res = await p.api("/v1/deployments", {
      method: "POST",
      body: JSON.stringify({
        name: "ui-test",
        model: "gantry/text-stream",
        version,
        hardware: "cpu",
        min_instances: 0,
        max_instances: 1,
      }),
    });
    expect(res.ok).toBe(true);
    await page.click("nav.sub a[href='/admin/models']");
    const form = await page.waitForSelector("[data-testid=scale-dev-ui-test]");
    await (await form.$("input[name=min_instances]"))?.fill("1");
    await (await form.$("input[name=max_instances]"))?.fill("2");
    await (await form.$("button"))?.click();
    await page.waitForFunction(() =>
      document.querySelector("tr[data-deployment='dev/ui-test'] [data-testid=release]")?.textContent?.startsWith("#2"),
    );
    const d = (await (await p.api("/v1/deployments/dev/ui-test")).json()) as {
      current_release: { number: number; configuration: { min_instances: number; max_instances: number } };
    };
    expect(d.current_release.number).toBe(2);
    expect(d.current_release.configuration).toMatchObject({ min_instances: 1, max_instances: 2 });
    await shot(page, "admin-models");
    // The scheduler keeps min_instances warm: the agents page shows the new instance ready.
    await page.click("nav.sub a[href='/admin/agents']");
    await page.waitForFunction(
      (v) =>
        [...document.querySelectorAll("tr")].some(
          (tr) => tr.textContent?.includes(v) && tr.textContent.includes("ready"),
        ),
      version.slice(0, 12),
      { timeout: 30_000, polling: 500 },
    );
    await shot(page, "admin-agents-warm");
  });

  it("creates an account and a token that works against the API, then revokes it", async () => {
    await page.click("nav.sub a[href='/admin/accounts']");
    await page.fill("input[placeholder=username]", "frank");
    await page.click("text=Create account");
    await page.waitForSelector("[data-testid=accounts-table] td:text('frank')");
    await page.selectOption("select", "frank");
    await page.fill("input[placeholder='token name']", "laptop");
    await page.click("text=Create token");
    const token = (await (await page.waitForSelector("[data-testid=new-token] code")).textContent()) ?? "";
    const account = await fetch(`${p.stack.baseUrl}/v1/account`, { headers: { authorization: `Bearer ${token}` } });
    expect(await account.json()).toMatchObject({ username: "frank" });
    await shot(page, "admin-accounts");
    await page.click("[data-testid=tokens-table] tr:has-text('laptop') button");
    await page.waitForSelector("[data-testid=tokens-table] tr:has-text('laptop')", { state: "detached" });
    // The gateway caches token lookups for two seconds.
    await expect
      .poll(
        async () =>
          (await fetch(`${p.stack.baseUrl}/v1/account`, { headers: { authorization: `Bearer ${token}` } })).status,
        {
          timeout: 10_000,
        },
      )
      .toBe(401);
  });

  it("shows queues and spend by hardware, model and account", async () => {
    await page.click("nav.sub a[href='/admin/queues']");
    await page.waitForSelector("figure[aria-label='queue depth'] polyline", { state: "attached" });
    await shot(page, "admin-queues");
    await page.click("nav.sub a[href='/admin/usage']");
    await page.waitForFunction(() =>
      /^\$\d/.test(document.querySelector("[data-testid=spend-total]")?.textContent ?? ""),
    );
    await page.waitForSelector("figure[aria-label='spend by hardware'] rect", { timeout: 20_000 });
    await shot(page, "admin-usage");
  });
});
