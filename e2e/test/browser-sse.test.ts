import { mkdir } from "node:fs/promises";
import type { Browser } from "playwright-core";
import type { Prediction } from "replicate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.ts";
import { type Platform, startPlatform } from "./helpers.ts";

let p: Platform;
let browser: Browser;
beforeAll(async () => {
  p = await startPlatform();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await p?.close();
});

describe("a real browser's EventSource", () => {
  it("receives the same tokens, then done, from the stream URL", async () => {
    const res = await p.api("/v1/models/gantry/test/predictions", {
      method: "POST",
      body: JSON.stringify({ input: { tokens: 6, token_delay_ms: 20 } }),
    });
    const prediction = (await res.json()) as Prediction;
    const page = await browser.newPage();
    // A blank page on the gateway's origin (the API's own answers carry a CSP under which a page can
    // connect nowhere: no gateway answer is a page that runs things).
    await page.route(`${p.stack.baseUrl}/blank`, (r) => r.fulfill({ contentType: "text/html", body: "<body></body>" }));
    await page.goto(`${p.stack.baseUrl}/blank`);
    const seen = await page.evaluate(
      (url) =>
        new Promise<{ outputs: string[]; done: string; ids: string[] }>((resolve, reject) => {
          const outputs: string[] = [];
          const ids: string[] = [];
          const es = new EventSource(url);
          es.addEventListener("output", (e) => {
            outputs.push((e as MessageEvent<string>).data);
            ids.push((e as MessageEvent<string>).lastEventId);
            document.body.textContent = outputs.join("");
          });
          es.addEventListener("done", (e) => {
            es.close();
            resolve({ outputs, done: (e as MessageEvent<string>).data, ids });
          });
          setTimeout(() => reject(new Error(`no done; got ${outputs.length} outputs`)), 15_000);
        }),
      prediction.urls.stream!,
    );
    expect(seen.outputs).toEqual(["tok0", " tok1", " tok2", " tok3", " tok4", " tok5"]);
    expect(seen.done).toBe("{}");
    expect(seen.ids.every((id) => /^\d+$/.test(id))).toBe(true);
    await mkdir("screenshots", { recursive: true });
    await page.screenshot({ path: "screenshots/browser-sse.png" });
    expect(await page.textContent("body")).toBe("tok0 tok1 tok2 tok3 tok4 tok5");
    await page.close();
  });
});
