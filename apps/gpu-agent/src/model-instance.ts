import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { InstanceState } from "@gantry/contracts/agents";
import type { ModelRuntime } from "@gantry/contracts/models";
import type { QueuePhase } from "@gantry/contracts/prediction";
import type { Logger } from "@gantry/platform/logger";
import { freePort } from "@gantry/platform/ports";
import type { ServerRecorder } from "@gantry/platform/server-ledger";
import { CogClient } from "./cog-client.ts";
import { cogEnv, commandEnv, dockerRunArgv } from "./core/server-launch.ts";
import { unreachableMessage, unreachableReason } from "./server-reach.ts";

/** Whom an instance serves and bills: a deployment's instances serve only its predictions. */
export interface Tenancy {
  deployment: string | null;
  billing: "predict" | "uptime";
  /** The account billed for its up time (`uptime` instances). */
  accountId: string;
  model: string;
}

export interface InstanceOptions {
  versionId: string;
  tenancy: Tenancy;
  runtime: ModelRuntime;
  concurrency: number;
  /** Working directory for `command` runtimes. */
  cwd: string;
  /**
   * What a `command` server inherits of the agent's environment (`inheritedEnv()`: PATH, locale,
   * CUDA/NVIDIA, the operator's list; never NATS or GANTRY variables). Default: a PATH only.
   */
  inheritedEnv?: Record<string, string>;
  setupTimeoutMs: number;
  /**
   * A `url` server that refuses connections this long during boot fails it (default 2 s): the agent
   * does not start such servers, so waiting out the setup timeout would not bring it back.
   */
  unreachableMs?: number;
  /** How often a ready server's `/health-check` is read to notice a DEFUNCT or vanished server. */
  healthIntervalMs: number;
  /** Give `image` runtimes the host's GPUs (`docker run --gpus all`). */
  gpus: boolean;
  /** Where started server processes are recorded, so a successor can stop them after a crash. */
  ledger?: ServerRecorder;
  /** The local path of a trained version's weights (object-store name → file), for `COG_WEIGHTS`. */
  fetchWeights?: (name: string) => Promise<string>;
  /**
   * The `--upload-url` a `command` or `image` server of this instance is started with (Cog's flag:
   * output files are PUT there instead of returned as data URLs); `inContainer`: as a server in a
   * container reaches the agent. None: servers return files as data URLs.
   */
  uploadUrl?: (instanceId: string, inContainer: boolean) => string;
  /** The URL a server of this instance reads its weights file at (`COG_WEIGHTS`); none: the path itself. */
  weightsUrl?: (instanceId: string, file: string, inContainer: boolean) => string;
  /** How many servers of this version died and were replaced before this one. */
  restarts?: number;
  /**
   * Set when this version may not boot now (its boots failed: back-off): the instance launches
   * nothing, and its `ready` fails at once with this.
   */
  refusal?: string;
  log: Logger;
  now: () => Date;
  /** Called once when a server that was not being stopped goes away (crash, kill, DEFUNCT). */
  onExit: (instance: ModelInstance, reason: string) => void;
}

/** How much of a server's setup logs or output goes into an error message. */
const LOG_TAIL = 4000;
/** Weight of the newest prediction in an instance's mean predict time (about the last ten count). */
const PREDICT_MS_WEIGHT = 0.1;
const tail = (text: string) => (text.length > LOG_TAIL ? `…${text.slice(-LOG_TAIL)}` : text).trim();

/**
 * One model server and its lifecycle: start (command, image or URL), poll `/health-check` through
 * STARTING to READY, track running predictions against `concurrency.max`, watch it, stop.
 */
export class ModelInstance {
  readonly id: string;
  readonly versionId: string;
  readonly tenancy: Tenancy;
  /** When the server was launched: its up time starts here. */
  readonly launchedAt: Date;
  readonly runtime: ModelRuntime;
  readonly concurrency: number;
  readonly restarts: number;
  readonly running = new Set<string>();
  state: InstanceState = "booting";
  bootedAt: Date | null = null;
  /** Launch to READY, in milliseconds. */
  bootMs: number | null = null;
  /**
   * The boot's first phase, in milliseconds: starting the server (its process or container, a
   * trained version's weights fetched first); the rest of `bootMs` is its setup, until READY.
   */
  launchMs: number | null = null;
  /** Why it failed: the setup failure (with its logs) or how it died. */
  error: string | null = null;
  setupLogs = "";
  /**
   * Where its boot is (fetching weights, pulling the image, the model's setup) and since when:
   * what the predictions waiting for it are told.
   */
  phase: Exclude<QueuePhase, "waiting_for_slot"> = "setup";
  phaseStartedAt: Date;
  /** What the model said so far during setup: its setup logs as the health check has them, else its output. */
  bootLogs = "";
  /** The end of what the server process wrote to stdout and stderr. */
  output = "";
  lastUsed: Date;
  /** How long its predictions take lately: a moving mean, the newest weighing {@link PREDICT_MS_WEIGHT}; null before the first. */
  predictMs: number | null = null;
  /**
   * The server answered 409 (every slot busy) although fewer than `concurrency` predictions of
   * this agent run there: no more are placed on it until one of them ends or it reports READY.
   */
  saturated = false;
  client: CogClient | null = null;
  readonly ready: Promise<void>;
  #proc: ChildProcess | null = null;
  #stopping = false;
  #stoppedDuringSetup = false;
  #gone = false;
  #killReason: string | null = null;
  #spawnError: string | null = null;
  #watch: NodeJS.Timeout | undefined;
  /** The HOME and TMPDIR of a `command` server, removed when it stops. */
  #scratch: string | null = null;
  readonly #o: InstanceOptions;

  /** One of its predictions ended after `ms` on the server: the scheduler's scale-up reads the mean (`predict_ms`). */
  ran(ms: number): void {
    const x = Math.max(0, ms);
    this.predictMs = this.predictMs === null ? x : this.predictMs + PREDICT_MS_WEIGHT * (x - this.predictMs);
  }

  constructor(options: InstanceOptions) {
    this.#o = options;
    this.id = `${options.versionId.slice(0, 12)}-${randomBytes(4).toString("hex")}`;
    this.versionId = options.versionId;
    this.tenancy = options.tenancy;
    this.launchedAt = options.now();
    this.runtime = options.runtime;
    this.concurrency = options.concurrency;
    this.restarts = options.restarts ?? 0;
    this.lastUsed = options.now();
    this.phaseStartedAt = this.launchedAt;
    this.ready = this.#boot();
    this.ready.catch(() => {});
  }

  /** The server process (for `image` runtimes, the `docker run` client); null for `url` runtimes. */
  get pid(): number | null {
    return this.#proc?.pid ?? null;
  }

  /** Whether it serves predictions of this version through this deployment (or none). */
  serves(versionId: string, deployment: string | null): boolean {
    return this.versionId === versionId && this.tenancy.deployment === deployment;
  }

  get free(): number {
    if (this.saturated) return 0;
    return this.state === "ready" || this.state === "busy" || this.state === "booting"
      ? this.concurrency - this.running.size
      : 0;
  }

  get #name(): string {
    return `gantry-${this.id}`;
  }

  /** Its boot failed because it was told to stop (evicted, the agent stopping), not on its own. */
  get stoppedDuringSetup(): boolean {
    return this.#stoppedDuringSetup;
  }

  async #boot(): Promise<void> {
    if (this.#o.refusal !== undefined) {
      this.state = "failed";
      this.error = this.#o.refusal;
      throw new Error(this.#o.refusal);
    }
    const started = this.#o.now().getTime();
    try {
      this.client = new CogClient(await this.#launch(), this.#o.runtime.mode === "train" ? "trainings" : "predictions");
      this.launchMs = this.#o.now().getTime() - started;
      const deadline = started + this.#o.setupTimeoutMs;
      let unreachableSince: number | null = null;
      for (;;) {
        if (this.#stopping) throw new Error("The model server was stopped during setup.");
        if (this.#spawnError) throw new Error(`The model server could not be started (${this.#spawnError}).`);
        const proc = this.#proc;
        if (proc && (proc.exitCode !== null || proc.signalCode !== null)) {
          const how = proc.signalCode ?? `code ${proc.exitCode}`;
          const said = tail(this.setupLogs || this.output);
          throw new Error(`The model server exited during setup (${how}).${said ? ` Its output:\n${said}` : ""}`);
        }
        const h = await this.client.health();
        if (h) this.#setupSaid(h.setup?.logs);
        else if (this.#o.runtime.kind === "command") this.bootLogs = this.output;
        // UNHEALTHY: the model's own healthcheck() failed after setup; it still takes predictions.
        if (h?.status === "READY" || h?.status === "BUSY" || h?.status === "UNHEALTHY") break;
        if (!h && this.#o.runtime.kind === "url") {
          const reason = await unreachableReason(this.client.baseUrl, 1000);
          const t = this.#o.now().getTime();
          unreachableSince = reason ? (unreachableSince ?? t) : null;
          if (reason && unreachableSince !== null && t - unreachableSince >= (this.#o.unreachableMs ?? 2000)) {
            throw new Error(unreachableMessage(this.client.baseUrl, reason));
          }
        }
        if (h?.status === "SETUP_FAILED" || h?.status === "DEFUNCT") {
          this.setupLogs = h.setup?.logs ?? this.output;
          const logs = tail(this.setupLogs);
          throw new Error(`Model setup failed (${h.status}).${logs ? ` Setup logs:\n${logs}` : ""}`);
        }
        if (this.#o.now().getTime() > deadline) {
          const logs = tail(h?.setup?.logs ?? this.output);
          throw new Error(
            `Model setup did not finish within ${Math.round(this.#o.setupTimeoutMs / 1000)} s.${logs ? ` Setup logs:\n${logs}` : ""}`,
          );
        }
        await sleep(25);
      }
      this.state = "ready";
      this.bootedAt = this.#o.now();
      this.bootMs = this.bootedAt.getTime() - started;
      this.#o.log.info("model server ready", { version: this.versionId, instance: this.id, boot_ms: this.bootMs });
      this.#scheduleWatch();
    } catch (err) {
      this.#stoppedDuringSetup = this.#stopping;
      this.state = "failed";
      this.error = err instanceof Error ? err.message : String(err);
      await this.stop();
      throw err;
    }
  }

  #enter(phase: ModelInstance["phase"]): void {
    if (this.phase === phase) return;
    this.phase = phase;
    this.phaseStartedAt = this.#o.now();
  }

  /**
   * The server answered its health check: setup has begun (an image is pulled and started). Its
   * setup logs are what the health check says (coglet says them during setup), else what the
   * server process printed.
   */
  #setupSaid(logs: string | undefined): void {
    this.#enter("setup");
    this.bootLogs = logs || (this.#o.runtime.kind === "url" ? "" : this.output);
  }

  async #launch(): Promise<string> {
    const rt = this.#o.runtime;
    if (rt.kind === "url") return rt.url;
    const port = await freePort();
    // A trained version's server starts from its weights (Cog's `COG_WEIGHTS`); fetching them is part of its boot.
    if (rt.weights && !this.#o.fetchWeights) throw new Error("This agent cannot fetch model weights.");
    if (rt.weights) this.#enter("fetching_weights");
    const file = rt.weights && this.#o.fetchWeights ? await this.#o.fetchWeights(rt.weights) : null;
    // `docker run` pulls the image when the host lacks it; setup begins when the server answers.
    this.#enter(rt.kind === "image" ? "pulling_image" : "setup");
    const inContainer = rt.kind === "image";
    const weights = file && this.#o.weightsUrl ? this.#o.weightsUrl(this.id, file, inContainer) : file;
    const cog = cogEnv(port, this.concurrency, weights);
    // A trainer is the same server in train mode (reference §5).
    const mode = rt.mode === "train" ? ["--x-mode", "train"] : [];
    let env: Record<string, string> = {};
    let argv: string[];
    if (rt.kind === "command") {
      // Tenant code: an explicit, minimal environment and a scratch HOME of its own.
      this.#scratch = await mkdtemp(join(tmpdir(), "gantry-model-"));
      const inherited = this.#o.inheritedEnv ?? { PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin` };
      env = commandEnv(inherited, this.#scratch, cog);
      const upload = this.#o.uploadUrl ? ["--upload-url", this.#o.uploadUrl(this.id, false)] : [];
      argv = [...rt.argv, ...mode, ...upload];
    } else {
      // The docker client (ours) reads its config from HOME; the container gets only Cog's variables.
      env = { ...(this.#o.inheritedEnv ?? { PATH: "/usr/local/bin:/usr/bin:/bin" }), HOME: homedir() };
      argv = dockerRunArgv({
        name: this.#name,
        image: rt.image,
        port,
        gpus: this.#o.gpus,
        cog,
        serverArgs: [...mode, ...(this.#o.uploadUrl ? ["--upload-url", this.#o.uploadUrl(this.id, true)] : [])],
      });
    }
    const [cmd = "", ...args] = argv;
    const proc = spawn(cmd, args, {
      cwd: this.#o.cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#proc = proc;
    const pid = proc.pid;
    if (pid !== undefined) {
      this.#o.ledger?.add({ pid, cmd, ...(rt.kind === "image" ? { container: this.#name } : {}) });
      proc.once("exit", () => this.#o.ledger?.remove(pid));
    }
    const capture = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-16_000);
    };
    proc.stdout?.on("data", capture);
    proc.stderr?.on("data", capture);
    proc.once("error", (err) => {
      this.#spawnError = `${cmd}: ${err.message}`;
      capture(Buffer.from(`${err.message}\n`));
    });
    proc.once("exit", () => void this.#removeScratch());
    proc.once("exit", (code, signal) => {
      // During setup the boot loop sees the exit and reports it with the setup output.
      if (this.#stopping || this.state === "booting") return;
      const how = signal ? `killed by ${signal}` : `exit code ${code}`;
      this.#die(this.#killReason ?? `The model server exited unexpectedly (${how})`);
    });
    return `http://127.0.0.1:${port}`;
  }

  /**
   * Reads `/health-check` of a ready server: DEFUNCT, or no answer three times, ends it. BUSY is
   * normal; UNHEALTHY (the model's own healthcheck() failed) is logged once and the server kept.
   */
  #scheduleWatch(misses = 0, lastStatus = "READY"): void {
    if (this.#o.healthIntervalMs <= 0 || this.#stopping || this.#gone) return;
    this.#watch = setTimeout(async () => {
      const h = await this.client?.health();
      if (this.#stopping || this.#gone) return;
      if (h?.status === "DEFUNCT") return this.kill("The model server became DEFUNCT (its worker process died)");
      if (!h && misses + 1 >= 3) return this.kill(await this.#silentReason());
      if (h?.status === "READY") this.saturated = false;
      if (h?.status === "UNHEALTHY" && lastStatus !== "UNHEALTHY") {
        this.#o.log.warn("model server unhealthy", { instance: this.id, error: h.user_healthcheck_error ?? null });
      }
      this.#scheduleWatch(h ? 0 : misses + 1, h?.status ?? lastStatus);
    }, this.#o.healthIntervalMs);
    this.#watch.unref();
  }

  /** Why a server stopped answering: for a `url` server that refuses connections, that it is gone. */
  async #silentReason(): Promise<string> {
    const url = this.client?.baseUrl;
    const gone = url && this.#o.runtime.kind === "url" ? await unreachableReason(url, 1000) : null;
    return gone
      ? `The model server at ${url} became unreachable (${gone})`
      : "The model server stopped answering its health check";
  }

  #die(reason: string): void {
    if (this.#gone || this.#stopping) return;
    this.#gone = true;
    clearTimeout(this.#watch);
    this.state = "failed";
    this.error = reason;
    this.#o.onExit(this, reason);
  }

  /**
   * Ends a server that cannot be trusted any more (a cancel it ignored, DEFUNCT): SIGKILL, then
   * the same path as a crash, with `reason` as the error of what ran on it.
   */
  kill(reason: string): void {
    const proc = this.#proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      this.#killReason = reason;
      proc.kill("SIGKILL");
      this.#removeContainer();
    } else {
      // A `url` runtime: nothing to kill here, but nothing more goes to it either.
      this.#die(reason);
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#watch);
    const proc = this.#proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) {
      await this.#removeScratch();
      return this.#removeContainer();
    }
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGTERM");
    const killed = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]);
    if (!killed) proc.kill("SIGKILL");
    this.#removeContainer();
  }

  async #removeScratch(): Promise<void> {
    const dir = this.#scratch;
    this.#scratch = null;
    if (dir) await rm(dir, { recursive: true, force: true }).catch(() => {});
  }

  /** `docker run` forwards SIGTERM to the container, but not SIGKILL: remove it by name. */
  #removeContainer(): void {
    if (this.#o.runtime.kind !== "image") return;
    spawn("docker", ["rm", "-f", this.#name], { stdio: "ignore" }).once("error", () => {});
  }
}
