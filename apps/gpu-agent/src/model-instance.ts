import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import type { InstanceState } from "@gantry/contracts/agents";
import type { ModelRuntime } from "@gantry/contracts/models";
import type { Logger } from "@gantry/platform/logger";
import { freePort } from "@gantry/platform/ports";
import { CogClient } from "./cog-client.ts";

export interface InstanceOptions {
  versionId: string;
  runtime: ModelRuntime;
  concurrency: number;
  /** Working directory for `command` runtimes. */
  cwd: string;
  setupTimeoutMs: number;
  log: Logger;
  now: () => Date;
  /** Called when the server process exits on its own (crash), with what was running. */
  onExit: (instance: ModelInstance, reason: string) => void;
}

/**
 * One model server and its lifecycle: start (command, image or URL), poll `/health-check` through
 * STARTING to READY, track running predictions against `concurrency.max`, stop.
 */
export class ModelInstance {
  readonly versionId: string;
  readonly concurrency: number;
  readonly running = new Set<string>();
  state: InstanceState = "booting";
  bootedAt: Date | null = null;
  setupLogs = "";
  lastUsed: Date;
  client: CogClient | null = null;
  readonly ready: Promise<void>;
  #proc: ChildProcess | null = null;
  #stopping = false;
  readonly #o: InstanceOptions;

  constructor(options: InstanceOptions) {
    this.#o = options;
    this.versionId = options.versionId;
    this.concurrency = options.concurrency;
    this.lastUsed = options.now();
    this.ready = this.#boot();
    this.ready.catch(() => {});
  }

  get free(): number {
    return this.state === "ready" || this.state === "busy" || this.state === "booting"
      ? this.concurrency - this.running.size
      : 0;
  }

  async #boot(): Promise<void> {
    const started = this.#o.now().getTime();
    try {
      this.client = new CogClient(await this.#launch());
      const deadline = started + this.#o.setupTimeoutMs;
      for (;;) {
        if (this.#proc && this.#proc.exitCode !== null)
          throw new Error(`model server exited during setup (code ${this.#proc.exitCode})`);
        const h = await this.client.health();
        if (h?.status === "READY" || h?.status === "BUSY") break;
        if (h?.status === "SETUP_FAILED" || h?.status === "DEFUNCT") {
          this.setupLogs = h.setup?.logs ?? "";
          throw new Error(`model setup failed: ${this.setupLogs.trim() || h.status}`);
        }
        if (this.#o.now().getTime() > deadline)
          throw new Error(`model setup timed out after ${this.#o.setupTimeoutMs} ms`);
        await sleep(25);
      }
      this.state = "ready";
      this.bootedAt = this.#o.now();
      this.#o.log.info("model server ready", { version: this.versionId, boot_ms: this.bootedAt.getTime() - started });
    } catch (err) {
      this.state = "failed";
      await this.stop();
      throw err;
    }
  }

  async #launch(): Promise<string> {
    const rt = this.#o.runtime;
    if (rt.kind === "url") return rt.url;
    const port = await freePort();
    const argv =
      rt.kind === "command"
        ? rt.argv
        : ["docker", "run", "--rm", "-p", `127.0.0.1:${port}:5000`, "-e", "COG_THROTTLE_RESPONSE_INTERVAL=0", rt.image];
    const [cmd = "", ...args] = argv;
    const proc = spawn(cmd, args, {
      cwd: this.#o.cwd,
      env: {
        ...process.env,
        PORT: String(port),
        COG_MAX_CONCURRENCY: String(this.concurrency),
        COG_THROTTLE_RESPONSE_INTERVAL: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#proc = proc;
    const capture = (d: Buffer) => {
      this.setupLogs = (this.setupLogs + d.toString()).slice(-16_000);
    };
    proc.stdout?.on("data", capture);
    proc.stderr?.on("data", capture);
    proc.once("exit", (code, signal) => {
      if (this.#stopping) return;
      this.state = "failed";
      this.#o.onExit(this, `model server exited unexpectedly (${signal ?? `code ${code}`})`);
    });
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    const proc = this.#proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGTERM");
    const killed = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]);
    if (!killed) proc.kill("SIGKILL");
  }
}
