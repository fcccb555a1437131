import { detectHardware } from "../apps/gpu-agent/src/detect.ts";
import { ModelInstance } from "../apps/gpu-agent/src/model-instance.ts";
import { startWebhookServer } from "../apps/gpu-agent/src/webhook-server.ts";
import { createLogger } from "../packages/platform/src/logger.ts";

/**
 * Proof on a real GPU host (run by hand through the device tool, never in CI): the agent's own
 * hardware detection, then the agent's model-server lifecycle (boot, health polling, PUT with
 * `Prefer: respond-async`, webhook back) driving a Cog-protocol server that computes on CUDA.
 * Bundled with esbuild so it runs with a bare `node` binary: see docs/gpu-proof.md.
 */
const log = createLogger({ svc: "gpu-proof" });
const hardware = await detectHardware("cpu");
process.stdout.write(`${JSON.stringify({ step: "detect", ...hardware })}\n`);

let resolve!: (body: unknown) => void;
const done = new Promise<unknown>((r) => {
  resolve = r;
});
const webhooks = await startWebhookServer(0, (_id, body) => {
  if ((body as { status?: string }).status === "succeeded") resolve(body);
});
const instance = new ModelInstance({
  versionId: "gpuproof",
  tenancy: { deployment: null, billing: "predict", accountId: "gantry", model: "probe" },
  runtime: { kind: "command", argv: [process.env.PYTHON ?? "python3", process.argv[2] ?? "gpu_matmul.py"] },
  concurrency: 1,
  cwd: process.cwd(),
  setupTimeoutMs: 120_000,
  healthIntervalMs: 60_000,
  gpus: true,
  log,
  now: () => new Date(),
  onExit: (_i, reason) => process.stdout.write(`${JSON.stringify({ step: "exit", reason })}\n`),
});
await instance.ready;
process.stdout.write(
  `${JSON.stringify({ step: "ready", boot_ms: instance.bootMs, setup: instance.setupLogs.trim() })}\n`,
);
const id = "gpuproof00000000000000000a";
const started = await instance.client?.start(id, { size: 8192, repeats: 20 }, webhooks.url(id));
process.stdout.write(`${JSON.stringify({ step: "put", status: started?.status })}\n`);
const result = await Promise.race([done, new Promise((r) => setTimeout(() => r({ timeout: true }), 120_000))]);
process.stdout.write(`${JSON.stringify({ step: "result", webhook: result })}\n`);
await instance.stop();
webhooks.server.close();
process.exit(0);
