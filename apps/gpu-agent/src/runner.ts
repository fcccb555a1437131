import { setTimeout as sleep } from "node:timers/promises";
import type { RunRequest } from "@gantry/contracts/jobs";
import type { Logger } from "@gantry/platform/logger";
import { webhookUrlForContainer } from "./core/server-launch.ts";
import type { ModelInstance } from "./model-instance.ts";
import type { RunTracker } from "./run-tracker.ts";

/** One prediction on this agent, from placement until its model server is done with it. */
export interface Run {
  req: RunRequest;
  instance: ModelInstance;
  tracker: RunTracker;
  timers: NodeJS.Timeout[];
  /** The model server accepted it: from now on only a terminal webhook, or the server's end, frees its slot. */
  onServer: boolean;
  released: boolean;
  cancelRequested: boolean;
}

export interface RunnerDeps {
  runs: Map<string, Run>;
  now: () => Date;
  log: Logger;
  webhookUrl: (predictionId: string) => string;
  /** How long a model server has to end a prediction after its cancel before it is killed. */
  cancelGraceMs: number;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** What a 422 says, in one line. */
function detail(body: unknown): string {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

/**
 * Runs predictions on model servers (reference §7): `PUT` with `Prefer: respond-async`; a 409 (or
 * coglet's 503) keeps the work here and tries again until a slot frees; the agent's own run
 * timeout and `Cancel-After` deadline cancel it, and a server that ignores the cancel is killed.
 */
export class Runner {
  readonly #d: RunnerDeps;

  constructor(deps: RunnerDeps) {
    this.#d = deps;
  }

  /**
   * Starts the run. Resolves when the scheduler can be answered: the start is stored, or the run
   * has to wait (cold boot, busy server) and its placement is stored, or it has already ended.
   */
  execute(run: Run): Promise<void> {
    return new Promise<void>((answer) => {
      this.#execute(run, answer).catch(async (err: unknown) => {
        this.#d.log.error("run failed", { prediction_id: run.req.prediction_id, err: message(err) });
        await this.end(run, "The agent could not run the prediction.");
        answer();
      });
    });
  }

  async #execute(run: Run, answer: () => void): Promise<void> {
    const { req, instance, tracker } = run;
    let answered = false;
    const hold = async (why: string) => {
      if (answered) return;
      answered = true;
      await tracker.assigned(why);
      answer();
    };
    if (instance.state === "booting") {
      await hold(`Booting a ${req.hardware} server for ${req.model} on agent ${tracker.agentId} (cold boot).`);
    }
    try {
      await instance.ready;
    } catch (err) {
      await this.end(run, message(err));
      return answer();
    }
    const giveUpAt = this.#d.now().getTime() + req.timeout_ms;
    for (let attempt = 0; ; attempt++) {
      if (run.released || tracker.done) return answer();
      const client = instance.client;
      if (!client || instance.state === "failed") {
        await this.end(run, instance.error ?? "The model server is not running.");
        return answer();
      }
      // A server in a container reaches the agent's host by name (its loopback is its own).
      const hook = this.#d.webhookUrl(req.prediction_id);
      const res = await client
        .start(req.prediction_id, req.input, instance.runtime.kind === "image" ? webhookUrlForContainer(hook) : hook)
        .catch((err: unknown) => ({ status: 0, body: message(err) }));
      if (res.status === 200 || res.status === 202) {
        run.onServer = true;
        if (!run.released) this.#arm(run);
        const live = await tracker.started();
        answer();
        // Canceled while it was placed or waiting: the server is told at once.
        if (!live) await this.#stopOnServer(run);
        return;
      }
      if (res.status === 422) {
        await this.end(run, `The model rejected the input: ${detail(res.body)}`);
        return answer();
      }
      // 409 busy, 503 not ready (coglet), or no connection: the work stays here; try again.
      if (this.#d.now().getTime() >= giveUpAt) {
        const s = Math.round(req.timeout_ms / 1000);
        await this.end(run, `The model server had no free slot for ${s} seconds (last answer: HTTP ${res.status}).`);
        return answer();
      }
      await hold("Waiting for a free slot on the model server.");
      await sleep(Math.min(250, 10 * 2 ** attempt));
    }
  }

  /** The run timeout the server lacks, and the `Cancel-After` deadline. */
  #arm(run: Run): void {
    const { req, tracker } = run;
    run.timers.push(
      setTimeout(async () => {
        if (run.released) return;
        const s = Math.round(req.timeout_ms / 1000);
        const what = req.training ? "Training" : "Prediction";
        await tracker.fail(`${what} timed out after ${s} second${s === 1 ? "" : "s"}.`);
        await this.#stopOnServer(run);
      }, req.timeout_ms),
    );
    if (req.deadline) {
      const left = Math.max(0, Date.parse(req.deadline) - this.#d.now().getTime());
      run.timers.push(
        setTimeout(async () => {
          if (run.released || tracker.done) return;
          await tracker.deadlineReached();
          await this.#stopOnServer(run);
        }, left),
      );
    }
  }

  /** A user's cancel: told to the server when it has the prediction, else the run just ends. */
  async cancel(run: Run): Promise<boolean> {
    if (run.onServer) return this.#stopOnServer(run);
    run.cancelRequested = true;
    await run.tracker.canceled();
    this.release(run);
    return true;
  }

  /**
   * Cancels on the model server. Its terminal webhook then frees the slot; a server that has not
   * sent one within the grace period is killed (reference §7, step 7).
   */
  async #stopOnServer(run: Run): Promise<boolean> {
    const id = run.req.prediction_id;
    const found = (await run.instance.client?.cancel(id)) ?? false;
    const graceS = Math.round(this.#d.cancelGraceMs / 1000);
    run.timers.push(
      setTimeout(async () => {
        if (run.released) return;
        if (found) {
          this.#d.log.warn("model server ignored a cancel; killing it", { prediction_id: id });
          run.instance.kill(`The model server was killed (it ignored a cancel for ${graceS} s)`);
          return;
        }
        // The server no longer knew it and no terminal webhook came: end it here.
        if (!run.tracker.done) await run.tracker.canceled();
        this.release(run);
      }, this.#d.cancelGraceMs),
    );
    return found;
  }

  /** Ends the run as failed (it never reached, or lost, its model server) and frees its slot. */
  async end(run: Run, error: string): Promise<void> {
    await run.tracker.fail(error);
    this.release(run);
  }

  /** The model server is done with it: its slot is free and the agent forgets it. */
  release(run: Run): void {
    if (run.released) return;
    run.released = true;
    for (const t of run.timers) clearTimeout(t);
    run.instance.running.delete(run.req.prediction_id);
    run.instance.lastUsed = this.#d.now();
    this.#d.runs.delete(run.req.prediction_id);
  }
}
