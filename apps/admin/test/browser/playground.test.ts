import { createHash } from "node:crypto";
import { DEMO_MODELS } from "@gantry/demo-models/catalog";
import { PredictionStore } from "@gantry/platform/prediction-store";
import { openTopology } from "@gantry/platform/topology";
import { predictionRecord } from "@gantry/testing/fixtures";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type BrowserPlatform, enterToken, shot, startBrowserPlatform, USER_TOKEN } from "./platform.ts";

let p: BrowserPlatform;
let user: BrowserContext;
beforeAll(async () => {
  p = await startBrowserPlatform(inject("webDir"));
  user = await p.browser.newContext({ viewport: { width: 1280, height: 900 } });
});
afterAll(async () => {
  await user?.close();
  await p?.close();
});

const hasImageModel = DEMO_MODELS.some((m) => m.owner === "gantry" && m.name === "image");

describe("playground", () => {
  it("builds the gantry/test form from its schema, runs it and streams the text", async () => {
    const page = await user.newPage();
    await page.goto(`${p.admin.url}/playground/gantry/test`);
    await enterToken(page, "api", USER_TOKEN);
    await page.waitForSelector("[data-testid=playground-form] [data-field]");
    const fields = await page.$$eval("[data-field]", (els) =>
      els.map((e) => `${e.getAttribute("data-field")}:${e.getAttribute("data-kind")}`),
    );
    expect(fields).toEqual([
      "tokens:integer",
      "token_delay_ms:integer",
      "sleep_ms:integer",
      "fail:string",
      "log_lines:integer",
    ]);
    expect(await page.inputValue("#input-tokens")).toBe("3");
    expect(await page.getAttribute("#input-tokens", "max")).toBe("100000");

    await page.fill("#input-tokens", "8");
    await page.fill("#input-token_delay_ms", "150");
    await page.fill("#input-log_lines", "2");
    await page.click("[data-testid=playground-form] button[type=submit]");

    // Part of the text shows while the model still runs: it is streamed, not shown at the end.
    await page.waitForFunction(() => {
      const text = document.querySelector("[data-testid=output]")?.textContent ?? "";
      return text.includes("tok1") && !text.includes("tok7");
    });
    expect(await page.textContent("[data-testid=prediction] .status")).toBe("processing");
    await shot(page, "playground-test-streaming");
    await page.waitForSelector("[data-testid=prediction] [data-status=succeeded]", { timeout: 20_000 });
    expect(await page.textContent("[data-testid=output]")).toBe("tok0 tok1 tok2 tok3 tok4 tok5 tok6 tok7");
    expect(await page.textContent("[data-testid=logs]")).toContain("log line 1");
    expect(await page.textContent("[data-testid=predict-time]")).not.toBe("—");
    await shot(page, "playground-test");

    // The prediction's own page, as someone it was shared with (same token) opens it.
    const id = (await page.getAttribute("[data-testid=prediction]", "data-prediction-id")) ?? "";
    const shared = await user.newPage();
    await shared.goto(`${p.admin.url}/p/${id}`);
    await shared.waitForSelector("[data-testid=prediction] [data-status=succeeded]");
    expect(await shared.textContent("[data-testid=output]")).toBe("tok0 tok1 tok2 tok3 tok4 tok5 tok6 tok7");
    await shot(shared, "prediction-page");
    await shared.close();
    await page.close();
  });

  it.skipIf(!hasImageModel)("runs gantry/image and shows the picture", async () => {
    const page = await user.newPage();
    await page.goto(`${p.admin.url}/playground/gantry/image`);
    await page.waitForSelector("#input-prompt");
    await page.fill("#input-prompt", "a red sun over blue water");
    await page.fill("#input-width", "160");
    await page.fill("#input-height", "96");
    await page.fill("#input-seed", "7");
    await page.click("[data-testid=playground-form] button[type=submit]");
    await page.waitForSelector("[data-testid=prediction] [data-status=succeeded]", { timeout: 30_000 });
    const img = await page.waitForSelector("[data-testid=output-image]");
    await page.waitForFunction((el) => (el as HTMLImageElement).complete, img);
    const size = await img.evaluate((el) => [
      (el as HTMLImageElement).naturalWidth,
      (el as HTMLImageElement).naturalHeight,
    ]);
    expect(size).toEqual([160, 96]);
    // The picture and its link are the gateway's signed URL as the API gave it: never the console's /api.
    const signed = new RegExp(`^${p.stack.baseUrl}/v1/files/[a-z0-9]+/download\\?owner=`);
    expect(await img.getAttribute("src")).toMatch(signed);
    expect(await page.getAttribute("[data-testid=output] a", "href")).toMatch(signed);
    await shot(page, "playground-image");
    await page.close();
  });

  it("uploads a file input through the Files API and passes its URL to the model", async () => {
    const page = await user.newPage();
    await page.goto(`${p.admin.url}/playground/gantry/file-info`);
    await page.waitForSelector("[data-field=file][data-kind=file]");
    const bytes = Buffer.from("hello from the playground\n");
    await page.setInputFiles("#input-file", { name: "hello.txt", mimeType: "text/plain", buffer: bytes });
    await page.click("[data-testid=playground-form] button[type=submit]");
    await page.waitForSelector("[data-testid=prediction] [data-status=succeeded]", { timeout: 30_000 });
    const output = JSON.parse((await page.textContent("[data-testid=output]")) ?? "null") as {
      size: number;
      sha256: string;
    };
    expect(output.size).toBe(bytes.length);
    expect(output.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    const files = (await (await p.api("/v1/files")).json()) as { results: { name: string }[] };
    expect(files.results.map((f) => f.name)).toContain("hello.txt");
    await shot(page, "playground-file");
    await page.close();
  });

  it("trains gantry/text-stream into a model of the user's, then runs the trained version", async () => {
    const { username } = (await (await p.api("/v1/account")).json()) as { username: string };
    const created = await p.api("/v1/models", {
      method: "POST",
      body: JSON.stringify({ owner: username, name: "purple", visibility: "private", hardware: "cpu" }),
    });
    expect(created.status).toBe(201);
    const page = await user.newPage();
    await page.goto(`${p.admin.url}/playground/gantry/text-stream`);
    await page.click("[data-testid=train] summary");
    await page.fill("#train-destination", `${username}/purple`);
    await page.fill("#train-text", "We hold these purple elephants dear. We hold these purple elephants dear.");
    await page.fill("#train-strength", "50");
    await page.click("[data-testid=train-form] button[type=submit]");
    await page.waitForSelector("[data-testid=training] [data-status=succeeded]", { timeout: 30_000 });
    const version = (await page.textContent("[data-testid=trained-version]")) ?? "";
    expect(version).toMatch(new RegExp(`^${username}/purple:[0-9a-f]{64}$`));
    await shot(page, "playground-training");

    // The link opens the new version's playground; at temperature 0 it continues the training text.
    await page.click("[data-testid=trained-version] a");
    const newId = version.split(":")[1] ?? "";
    await page.waitForURL(`**/playground/${username}/purple/versions/${newId}`);
    // The old form stays until the new version has loaded (its form is then a new one): wait for it.
    await page.waitForFunction((id) => document.querySelector("select")?.value === id, newId);
    await page.waitForSelector("#input-prompt");
    await page.fill("#input-prompt", "We hold these");
    await page.fill("#input-max_tokens", "3");
    await page.fill("#input-temperature", "0");
    await page.fill("#input-seed", "1");
    await page.click("[data-testid=playground-form] button[type=submit]");
    await page.waitForSelector("[data-testid=prediction] [data-status=succeeded]", { timeout: 30_000 });
    expect(await page.textContent("[data-testid=output]")).toBe(" purple elephants dear");
    await shot(page, "playground-trained-version");
    await page.close();
  });

  it("shows the user's predictions and this period's usage in dollars on the dashboard", async () => {
    const page = await user.newPage();
    await page.goto(`${p.admin.url}/dashboard`);
    await page.waitForSelector("[data-testid=my-predictions] tbody tr");
    const rows = await page.$$eval("[data-testid=my-predictions] tbody tr", (trs) =>
      trs.map((tr) => tr.querySelector(".status")?.textContent),
    );
    expect(rows).toContain("succeeded");
    // Billing applies the usage events; the page reloads usage every 10 s.
    await page.waitForFunction(
      () =>
        /^\$\d+\.\d+$/.test(document.querySelector("[data-testid=usage-total]")?.textContent ?? "") &&
        document.querySelector("[data-testid=usage-total]")?.textContent !== "$0.00",
      undefined,
      { timeout: 30_000 },
    );
    await page.waitForSelector("figure[aria-label='queue depth'] polyline", { state: "attached" });
    await shot(page, "dashboard");
    await page.close();
  });
  it("a waiting prediction's page says where it waits: its phase and its place in the queue", async () => {
    // The demo models take 64 predictions per instance, so none waits here: a waiting one's record
    // is stored as the placer would have left it (queued, no work item: nothing ever places it).
    const res = await p.api("/v1/models/gantry/test/predictions", {
      method: "POST",
      body: JSON.stringify({ input: { tokens: 1 } }),
    });
    const real = (await res.json()) as { id: string };
    const buckets = await openTopology(p.nc, { identity: "operator" });
    const store = new PredictionStore(buckets.predictions, p.nc);
    const template = (await store.get(real.id))?.record;
    if (!template) throw new Error("the created prediction was not stored");
    const id = "w".repeat(26);
    const at = new Date();
    await store.create(
      predictionRecord({
        id,
        account_id: template.account_id,
        model: "gantry/test",
        version: template.version,
        created_at: at.toISOString(),
        // Its stream: the page follows it, and reads the record each second while it waits.
        streams: true,
        stream_token: "s".repeat(32),
        logs: "Queued: waiting for a free cpu instance of gantry/test (2 ahead).\n",
        queue: {
          position: 2,
          estimated_start_at: new Date(at.getTime() + 45_000).toISOString(),
          phase: "waiting_for_slot",
          phase_started_at: at.toISOString(),
        },
      }),
    );
    try {
      const page = await user.newPage();
      await page.goto(`${p.admin.url}/p/${id}`);
      // The token prompt, unless an earlier test of this context answered it.
      await page.waitForSelector("input[name=api-token], [data-testid=prediction]");
      if (await page.$("input[name=api-token]")) await enterToken(page, "api", USER_TOKEN);
      const note = await page.waitForSelector("[data-testid=prediction] [data-testid=queue]", { timeout: 30_000 });
      expect(await note.getAttribute("data-phase")).toBe("waiting_for_slot");
      expect(await note.textContent()).toMatch(/^Waiting for a free slot · 2 ahead · starting in about /);
      expect(await page.textContent("[data-testid=prediction] .status")).toBe("starting");
      // Its boot begins: the page, reading the record while it waits, shows the new phase.
      await store.transition(id, {
        type: "queue",
        queue: { position: null, estimated_start_at: null, phase: "setup", phase_started_at: new Date().toISOString() },
        line: "[setup] loading weights",
      });
      await page.waitForSelector("[data-testid=queue][data-phase=setup]", { timeout: 30_000 });
      expect(await page.textContent("[data-testid=queue]")).toBe("Model setup");
      // The line it gained came over the stream as a `logs` event.
      await page.waitForFunction(
        () => document.querySelector("[data-testid=logs]")?.textContent?.includes("[setup] loading weights"),
        undefined,
        { timeout: 30_000 },
      );
      await shot(page, "prediction-waiting");
      // Once it has ended the note is gone.
      await store.transition(id, { type: "cancel", at: new Date() });
      await page.waitForSelector("[data-testid=prediction] [data-status=canceled]", { timeout: 30_000 });
      expect(await page.$("[data-testid=queue]")).toBeNull();
      await page.close();
    } finally {
      await store.transition(id, { type: "cancel", at: new Date() });
    }
  });
});
