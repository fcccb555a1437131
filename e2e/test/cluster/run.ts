import { setTimeout as sleep } from "node:timers/promises";
import {
  type CreateOutcome,
  type Final,
  type LoadItem,
  loadPlan,
  type Observation,
  type Tally,
  tally,
} from "../chaos/core.ts";
import { drain, readBilling } from "../chaos/run.ts";
import { type ClusterPlatform, waitCaughtUp } from "./platform.ts";

/**
 * One step of a cluster run, done in order under load: a SIGKILL (`kill`, then started again
 * after `downMs`) or a polite rolling restart (`restart`: SIGTERM, start, wait until it serves).
 * A target is a NATS node (`n1`…) or a service copy of the stack (`gateway-1`, `scheduler-0`, …).
 */
export interface Step {
  action: "kill" | "restart";
  target: string;
  /** For `kill`: how long it stays down. */
  downMs?: number;
}

export interface ClusterRunOptions {
  /** Creates are sent for at least this long, and on until the last step is over. */
  durationMs: number;
  /** Creates per second, spread over the gateways in service. */
  rate: number;
  seed: number;
  steps: readonly Step[];
  /** Pause before the first step and between steps. */
  gapMs: number;
  /** How long, after the load, predictions and billing get to settle. */
  drainMs: number;
  log?: (line: string) => void;
}

/** A GET through one gateway in service while the run goes on. */
export interface Probe {
  atMs: number;
  gateway: number;
  ms: number;
  ok: boolean;
}

export interface ClusterRunResult {
  outcomes: CreateOutcome[];
  observations: Observation[];
  tally: Tally;
  probes: Probe[];
  /** The longest time (ms) during the run with no successful answer from any gateway in service. */
  longestSilenceMs: number;
  /** NATS nodes that were stopped: streams each still lagged on, once the run was over (empty: caught up). */
  behind: Record<string, string[]>;
  /** Services found exited without the run having stopped them. */
  crashed: string[];
  /** Per step: how long it took (stop, down time, and until the target served again). */
  stepMs: { step: string; ms: number }[];
}

const nodeIndex = (target: string) => (/^n\d+$/.test(target) ? Number(target.slice(1)) - 1 : -1);
const gatewayIndex = (target: string) => (/^gateway-\d+$/.test(target) ? Number(target.slice("gateway-".length)) : -1);

/** Waits (to 120 s) until the target serves again after being started. */
async function untilServing(p: ClusterPlatform, target: string, since: number | null): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    let ok = false;
    const g = gatewayIndex(target);
    if (g >= 0) {
      ok = await fetch(`${p.stack.baseUrls[g]}/health`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      );
    } else if (target.startsWith("agent-")) {
      // A heartbeat written after the start: the agent is registered again.
      const entry = await p.agents.get(target).catch(() => null);
      ok = entry?.operation === "PUT" && since !== null && entry.revision > since;
    } else {
      // Scheduler and billing answer nothing of their own to poll: alive for a few seconds is
      // enough for pacing (work waits in the durable queues meanwhile; nothing below relies on it).
      const proc = p.stack.processes.get(target);
      ok = proc?.exitCode === null && proc.signalCode === null;
      if (ok) await sleep(4000);
      ok &&= proc?.exitCode === null;
    }
    if (ok) return;
    const proc = p.stack.processes.get(target);
    const exited = proc && (proc.exitCode !== null || proc.signalCode !== null);
    if (exited || Date.now() > deadline) {
      const how = exited ? `exited (${proc?.signalCode ?? proc?.exitCode})` : "did not serve again within 120 s";
      throw new Error(`${target} ${how} after its start:\n${p.tail(target).join("\n")}`);
    }
    await sleep(250);
  }
}

async function doStep(p: ClusterPlatform, s: Step): Promise<void> {
  const node = nodeIndex(s.target);
  if (node >= 0) {
    if (s.action === "kill") await p.cluster.kill(node);
    else await p.cluster.stopNode(node);
    await sleep(s.downMs ?? 0);
    await p.cluster.restart(node);
    // Rolling on to the next node before this one holds every stream again would lose quorum.
    const behind = await waitCaughtUp(p.nc, s.target, 120_000);
    if (behind.length > 0) throw new Error(`${s.target} did not catch up: ${behind.join("; ")}`);
    return;
  }
  const g = gatewayIndex(s.target);
  // A balancer stops sending to a gateway that is going away (rolling) or stopped answering (kill).
  if (g >= 0) p.inService.delete(g);
  const before = s.target.startsWith("agent-")
    ? ((await p.agents.get(s.target).catch(() => null))?.revision ?? 0)
    : null;
  if (s.action === "kill") await p.stack.kill(s.target);
  else await p.stack.terminate(s.target);
  await sleep(s.downMs ?? 0);
  p.stack.restart(s.target);
  await untilServing(p, s.target, before);
  if (g >= 0) p.inService.add(g);
}

async function create(p: ClusterPlatform, gateway: number, item: LoadItem, atMs: number): Promise<CreateOutcome> {
  try {
    const prediction = await p.replicate(gateway).predictions.create({
      model: "gantry/test",
      input: item.input,
      ...(item.waitS === null ? {} : { wait: item.waitS }),
      signal: AbortSignal.timeout(30_000),
    });
    return { kind: "accepted", id: prediction.id, tokens: item.input.tokens };
  } catch (err) {
    const e = err as Error & { response?: Response; cause?: { code?: unknown } };
    if (e.response) return { kind: "refused", reason: String(e.response.status), atMs };
    if (e.name === "TimeoutError" || e.name === "AbortError") return { kind: "refused", reason: "timeout", atMs };
    const code = e.cause?.code;
    return { kind: "refused", reason: typeof code === "string" ? `network ${code}` : "network", atMs };
  }
}

/**
 * Sends `gantry/test` creates with the official client through every gateway in service while it
 * does the steps one after another; meanwhile it GETs a recent prediction through each gateway
 * every half second. Then it waits for every accepted prediction to end and for billing to apply
 * all usage, and tallies what the API and billing show (the same tally as `npm run chaos`).
 */
export async function runCluster(p: ClusterPlatform, o: ClusterRunOptions): Promise<ClusterRunResult> {
  const log = o.log ?? (() => {});
  const t0 = Date.now();
  const since = () => `+${((Date.now() - t0) / 1000).toFixed(1)} s`;
  let stepsDone = false;
  const stepMs: ClusterRunResult["stepMs"] = [];
  let stepError: unknown = null;
  const stepping = (async () => {
    try {
      for (const s of o.steps) {
        await sleep(o.gapMs);
        const started = Date.now();
        log(`${since()} ${s.action === "kill" ? "kill -9" : "rolling restart of"} ${s.target}`);
        await doStep(p, s);
        stepMs.push({ step: `${s.action} ${s.target}`, ms: Date.now() - started });
        log(`${since()} ${s.target} serves again`);
      }
    } catch (err) {
      // Reported once the load is over (the creates under way still end and are counted).
      stepError = err;
    } finally {
      stepsDone = true;
    }
  })();

  const plan = loadPlan({ durationMs: o.durationMs * 20, rate: o.rate, seed: o.seed });
  const creates: Promise<CreateOutcome>[] = [];
  const accepted: string[] = [];
  const probes: Probe[] = [];
  const probing = (async () => {
    while (!stepsDone || Date.now() - t0 < o.durationMs) {
      const id = accepted[accepted.length - 1];
      if (id) {
        await Promise.all(
          [...p.inService].map(async (gateway) => {
            const started = Date.now();
            const ok = await p.apiVia(gateway, `/v1/predictions/${id}`, { signal: AbortSignal.timeout(30_000) }).then(
              (r) => r.ok,
              () => false,
            );
            probes.push({ atMs: started - t0, gateway, ms: Date.now() - started, ok });
          }),
        );
      }
      await sleep(500);
    }
  })();
  let sent = 0;
  for (const item of plan) {
    const atMs = item.atMs;
    if (atMs >= o.durationMs && stepsDone) break;
    await sleep(Math.max(0, t0 + atMs - Date.now()));
    const live = [...p.inService];
    const gateway = live[sent++ % Math.max(1, live.length)] ?? 0;
    creates.push(
      create(p, gateway, item, atMs).then((c) => {
        if (c.kind === "accepted") accepted.push(c.id);
        return c;
      }),
    );
  }
  await stepping;
  const outcomes = await Promise.all(creates);
  await probing;
  if (stepError) throw stepError;
  const ok = outcomes.filter((c) => c.kind === "accepted");
  log(`${since()} load over: ${ok.length} of ${outcomes.length} creates accepted; draining`);

  const crashed = [...p.stack.processes]
    .filter(([, proc]) => proc.exitCode !== null || proc.signalCode !== null)
    .map(([name, proc]) => `${name} (${proc.signalCode ?? `code ${proc.exitCode}`})`);
  const deadline = Date.now() + o.drainMs;
  const finals = await drain(p, ok, deadline);
  const shownPredictTime = new Set(
    [...finals].flatMap(([id, f]: [string, Final]) => (f.kind === "shown" && f.predictTimeS !== null ? [id] : [])),
  );
  const billed = await readBilling(p.nc, shownPredictTime, deadline, log);
  const observations: Observation[] = ok.map((a) => ({
    id: a.id,
    tokens: a.tokens,
    final: finals.get(a.id) ?? { kind: "unanswered" },
    billed: billed.get(a.id) ?? { usageMessages: 0, lineItemMs: [] },
  }));
  const behind: Record<string, string[]> = {};
  for (const s of o.steps) {
    if (nodeIndex(s.target) >= 0) behind[s.target] = await waitCaughtUp(p.nc, s.target, 60_000);
  }
  return {
    outcomes,
    observations,
    tally: tally(outcomes, observations),
    probes,
    longestSilenceMs: longestSilence(probes, Date.now() - t0),
    behind,
    crashed,
    stepMs,
  };
}

/** The longest stretch between successful probe answers (from the first probe to `endMs`). */
export function longestSilence(probes: readonly Probe[], endMs: number): number {
  const answered = probes
    .filter((p) => p.ok)
    .map((p) => p.atMs + p.ms)
    .sort((a, b) => a - b);
  const first = probes.reduce((m, p) => Math.min(m, p.atMs), Number.POSITIVE_INFINITY);
  if (answered.length === 0) return Number.isFinite(first) ? endMs - first : 0;
  let longest = 0;
  let prev = Math.min(first, answered[0] ?? first);
  for (const at of answered) {
    longest = Math.max(longest, at - prev);
    prev = at;
  }
  return longest;
}
