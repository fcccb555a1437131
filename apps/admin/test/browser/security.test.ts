import { signedDownloadUrl } from "@gantry/platform/signed-url";
import { signingSecret } from "@gantry/platform/signing-secret";
import { openTopology } from "@gantry/platform/topology";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ADMIN_TOKEN } from "../helpers.ts";
import { type BrowserPlatform, enterToken, startBrowserPlatform, USER_TOKEN } from "./platform.ts";

/** What a tenant's HTML file would do on the console's origin: take the admin token. */
const PAYLOAD = `<!doctype html><title>file</title><script>
localStorage.setItem("stolen", localStorage.getItem("gantry.adminToken") ?? "none");
document.title = "pwned";
</script>`;

let p: BrowserPlatform;
let operator: BrowserContext;
let page: Page;
const requested: string[] = [];
const cspViolations: string[] = [];

beforeAll(async () => {
  p = await startBrowserPlatform(inject("webDir"));
  operator = await p.browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await operator.newPage();
  page.on("request", (r) => requested.push(r.url()));
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(`${p.admin.url}/admin`);
  await enterToken(page, "admin", ADMIN_TOKEN);
});
afterAll(async () => {
  await operator?.close();
  await p?.close();
});

/** Uploads `PAYLOAD` as the user and signs its download URL, as the API does for outputs. */
async function uploadedHtml(): Promise<string> {
  const form = new FormData();
  form.append("content", new Blob([PAYLOAD], { type: "text/html" }), "page.html");
  const res = await fetch(`${p.stack.baseUrl}/v1/files`, {
    method: "POST",
    headers: { authorization: `Bearer ${USER_TOKEN}` },
    body: form,
  });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  const { accounts } = await openTopology(p.nc, { identity: "operator" });
  const owner = ((await (await p.api("/v1/account")).json()) as { username: string }).username;
  return signedDownloadUrl(
    p.stack.baseUrl,
    owner,
    id,
    Math.floor(Date.now() / 1000) + 600,
    await signingSecret(accounts),
  );
}

describe("the console in a browser", () => {
  it("runs under its CSP and subscribes live without putting the admin token in any URL", async () => {
    // The live table is a tRPC subscription over SSE: it has started once the table shows.
    await page.waitForSelector("[data-testid=predictions-table]");
    await page.waitForFunction(() => document.querySelector("[data-testid=predictions-table]") !== null);
    expect(requested.some((u) => u.includes("/trpc/predictions.live"))).toBe(true);
    for (const u of requested) expect(u).not.toContain(ADMIN_TOKEN);
    expect(cspViolations).toEqual([]);
  });

  it("never runs a tenant's HTML on its origin: a crafted /api download link is refused", async () => {
    const signed = new URL(await uploadedHtml());
    const crafted = `${p.admin.url}/api${signed.pathname}${signed.search}`;
    const tab = await operator.newPage();
    const res = await tab.goto(crafted);
    expect(res?.status()).toBe(403);
    expect(await tab.title()).not.toBe("pwned");
    // The refusal itself is a sandboxed document: it cannot even reach the console's storage.
    expect(await tab.evaluate(() => window.origin)).toBe("null");
    await tab.goto(`${p.admin.url}/admin`);
    expect(await tab.evaluate(() => localStorage.getItem("stolen"))).toBeNull();
    expect(await tab.evaluate(() => localStorage.getItem("gantry.adminToken"))).toBe(ADMIN_TOKEN);
    await tab.close();
  });

  it("opens the file's own signed URL as a download on the gateway's origin, not as a page", async () => {
    const signed = await uploadedHtml();
    const tab = await operator.newPage();
    const [download] = await Promise.all([tab.waitForEvent("download"), tab.goto(signed).catch(() => null)]);
    expect(download.suggestedFilename()).toBe("page.html");
    expect(download.url()).toBe(signed);
    await tab.goto(`${p.admin.url}/admin`);
    expect(await tab.evaluate(() => localStorage.getItem("stolen"))).toBeNull();
    await tab.close();
  });
});
