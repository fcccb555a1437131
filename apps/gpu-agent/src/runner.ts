import { setTimeout as sleep } from "node:timers/promises";
import type { RunRequest } from "@gantry/contracts/jobs";
import type { Logger } from "@gantry/platform/logger";
import type { StreamAnswer } from "./cog-client.ts";
import { followStream } from "./cog-sse.ts";
import { redact, secretValues } from "./core/server-features.ts";
import { type CogSnapshot, isTerminalCogStatus } from "./core/snapshot.ts";
import type { ModelInstance } from "./model-instance.ts";
import type { RunTracker } from "./run-tracker.ts";
import { type CreateAnswer, createOnServer, FeaturesCache } from "./server-create.ts";

/** One prediction on this agent, from placement until its model server is done with it. */
export interface Run {
  req: RunRequest;
  instance: ModelInstance;
  tracker: RunTracker;
  timers: NodeJS.Timeout[];
  /** The model server accepted it: from now on only a terminal webhook, or the server's end, frees its slot. */
  onServer: boolean;
  /** When it was sent to the model server that accepted it. */
  sentAt?: Date;
  released: boolean;
  cancelRequested: boolean;
  /** Values of its `Secret` inputs: never stored or shown in its logs or errors. */
  secrets?: string[];
  /** Its SSE stream from the model server, when it streams that way. */
  stream?: StreamAnswer;
}

/** What the scheduler is answered: taken here, or not (it is placed elsewhere, or later). */
export type RunOutcome = { accepted: true } | { accepted: false; reason: string };

export interface RunnerDeps {
  runs: Map<string, Run>;
  now: () => Date;
  log: Logger;
  webhookUrl: (predictionId: string) => string;
  /** How long a model server has to end a prediction after its cancel before it is killed. */
  cancelGraceMs: number;
  /** A run's slot on its server freed (its terminal snapshot came): the scheduler hears at once. */
  onFreed?: () => void;
}

/** Pauses before the 2nd and 3rd try of a create a server answered with an error (5xx): 3 tries in all. */
const ERROR_RETRY_MS = [100, 400];
/**
 * Pauses before asking a full server (409) again, before the run is handed back to the scheduler: a
 * slot usually frees within milliseconds (Cog sends its last webhook just before it takes the next).
 */
export const BUSY_RETRY_MS = [1, 2, 4, 8, 16, 32, 64, 128];
const DEFUNCT = "The model server became DEFUNCT (its worker process died)";
/** How long a DEFUNCT server's other runs have for their own failure to arrive before it is killed. */
const DEFUNCT_GRACE_MS = 1000;

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
  execute(run: Run): Promise<RunOutcome> {
    return new Promise<RunOutcome>((resolve) => {
      const answer = (outcome: RunOutcome = { accepted: true }) => resolve(outcome);
      this.#execute(run, answer).catch(async (err: unknown) => {
        const said = redact(message(err), run.secrets ?? []);
        this.#d.log.error("run failed", { prediction_id: run.req.prediction_id, err: said });
        await this.end(run, "The agent could not run the prediction.");
        answer();
      });
    });
  }

  async #execute(run: Run, answer: (outcome?: RunOutcome) => void): Promise<void> {
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
    const features = await this.#features.of(instance);
    run.secrets = secretValues(req.input, features.secrets);
    tracker.redactInputs(features.secrets);
    // Tokens over the server's own event stream where it offers one (coglet ≥ 0.21), else webhooks.
    let sse = features.streaming && req.streams && !req.training;
    const giveUpAt = this.#d.now().getTime() + req.timeout_ms;
    let errors = 0;
    let busy = 0;
    for (let attempt = 0; ; attempt++) {
      if (run.released || tracker.done) return answer();
      const client = instance.client;
      if (!client || instance.state === "failed") {
        await this.end(run, instance.error ?? "The model server is not running.");
        return answer();
      }
      // The model may start the moment the server has the request, before its answer comes back.
      const sentAt = this.#d.now();
      if (attempt === 0) tracker.prefetch();
      const res = await createOnServer(req, instance, client, sse, this.#d.webhookUrl).catch(
        (err: unknown): CreateAnswer => ({ status: 0, body: message(err) }),
      );
      if (res.stream) run.stream = res.stream;
      if (res.status === 200 || res.status === 202) {
        run.onServer = true;
        run.sentAt = sentAt;
        if (!run.released) this.#arm(run);
        if (res.stream) void this.#follow(run, res.stream);
        // Canceled while it was placed or waiting: the server is told as soon as the start's write finds it.
        tracker.started(sentAt, () => void this.#stopOnServer(run));
        answer();
        return;
      }
      if (res.status === 422) {
        await this.end(run, `The model rejected the input: ${detail(res.body)}`);
        return answer();
      }
      if (res.status === 406 && sse) {
        // Its schema said `x-cog-streaming` but the server will not stream: webhooks then.
        sse = false;
        continue;
      }
      if (res.status === 409 && !answered) {
        // Every slot of the server is taken although the agent counted one free (a prediction that
        // just ended may not have left it yet): asked again briefly, then the scheduler is told
        // no, and places it elsewhere or later. Nothing was stored: nothing is lost or failed.
        const pause = BUSY_RETRY_MS[busy++];
        if (pause !== undefined) {
          await sleep(pause);
          continue;
        }
        instance.saturated = true;
        this.release(run, false);
        return answer({ accepted: false, reason: "the model server has no free slot (HTTP 409)" });
      }
      if (res.status !== 0 && res.status !== 409 && res.status !== 503) {
        // A server that fails the create (a 500, a 404 of a missing route) fails it again: a few
        // tries, then the prediction fails with what the server said.
        const pause = ERROR_RETRY_MS[errors++];
        if (pause === undefined) {
          await this.end(
            run,
            `The model server could not start the ${req.training ? "training" : "prediction"} (HTTP ${res.status}): ${detail(res.body)}`,
          );
          return answer();
        }
        await sleep(pause);
        continue;
      }
      // 409 busy (already answered), 503 not ready (coglet), or no connection: the work stays here; try again.
      if (this.#d.now().getTime() >= giveUpAt) {
        const s = Math.round(req.timeout_ms / 1000);
        await this.end(run, `The model server had no free slot for ${s} seconds (last answer: HTTP ${res.status}).`);
        return answer();
      }
      await hold("Waiting for a free slot on the model server.");
      await sleep(Math.min(250, 10 * 2 ** attempt));
    }
  }

  /** Reads the run's event stream; one that ends before `completed` ends the run. */
  async #follow(run: Run, stream: StreamAnswer): Promise<void> {
    if (!stream.events) return;
    const completed = await followStream(stream.events, (snap) => this.snapshot(run, snap));
    if (!completed && !run.released) {
      await this.end(run, "The model server's event stream ended before the prediction did.");
    }
  }

  readonly #features = new FeaturesCache();

  /**
   * A snapshot of the run from its model server (a webhook or its event stream), its secrets
   * blanked out. A terminal one frees its slot. A failure may be coglet failing what ran when its
   * worker died (it stays up DEFUNCT, §3): then the prediction says so and the server is replaced.
   */
  snapshot(run: Run, raw: CogSnapshot): void {
    const secrets = run.secrets ?? [];
    const snap: CogSnapshot = {
      ...raw,
      logs: redact(raw.logs, secrets),
      error: raw.error === null ? null : redact(raw.error, secrets),
    };
    if (snap.status !== "failed" || run.released) {
      this.#deliver(run, snap);
      return;
    }
    void (run.instance.client?.health() ?? Promise.resolve(null)).then((h) => {
      if (h?.status !== "DEFUNCT") {
        this.#deliver(run, snap);
        return;
      }
      const said = snap.error ? ` (the server said: ${snap.error})` : "";
      this.#condemn(run.instance);
      this.#deliver(run, { ...snap, error: `${DEFUNCT} while the prediction was running.${said}` });
    });
  }

  /** DEFUNCT servers, replaced once their other runs' failures (with their output) are in. */
  readonly #condemned = new WeakSet<ModelInstance>();

  /**
   * A DEFUNCT server takes no more work; coglet fails everything that ran on it, so it is killed
   * (and replaced) once the last of those failures came, or after a short grace for any that
   * does not come (those then end as lost with the server).
   */
  #condemn(instance: ModelInstance): void {
    if (this.#condemned.has(instance)) return;
    this.#condemned.add(instance);
    instance.saturated = true;
    setTimeout(() => instance.kill(DEFUNCT), DEFUNCT_GRACE_MS).unref();
  }

  #deliver(run: Run, snap: CogSnapshot): void {
    void run.tracker.snapshot(snap);
    if (!isTerminalCogStatus(snap.status)) return;
    // How long predictions take here (the scheduler's scale-up reads it): succeeded ones only, since
    // a cancel or a quick failure says nothing of the next prediction's time, and not trainings.
    if (snap.status === "succeeded" && run.sentAt && !run.req.training)
      run.instance.ran(this.#d.now().getTime() - run.sentAt.getTime());
    // The server is done with it: its slot is free again, which the scheduler hears at once.
    this.release(run);
    this.#d.onFreed?.();
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
    await run.tracker.fail(redact(error, run.secrets ?? []));
    this.release(run);
  }

  /**
   * The model server is done with it: its slot is free and the agent forgets it. `freed`: false
   * when the server never had it (refused with a 409): the server's slots are no freer for it.
   */
  release(run: Run, freed = true): void {
    if (run.released) return;
    run.released = true;
    for (const t of run.timers) clearTimeout(t);
    run.stream?.close();
    const { instance } = run;
    instance.running.delete(run.req.prediction_id);
    const condemned = this.#condemned.has(instance);
    if (freed && !condemned) instance.saturated = false;
    instance.lastUsed = this.#d.now();
    this.#d.runs.delete(run.req.prediction_id);
    if (condemned && instance.running.size === 0) instance.kill(DEFUNCT);
  }
}
