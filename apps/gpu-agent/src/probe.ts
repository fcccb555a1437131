import { setTimeout as sleep } from "node:timers/promises";
import { type ProbeReply, ProbeRequest } from "@gantry/contracts/jobs";
import { subjects } from "@gantry/contracts/subjects";
import { decode, encode } from "@gantry/platform/codec";
import { httpRequest } from "@gantry/platform/http-client";
import type { Logger } from "@gantry/platform/logger";
import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import type { CogClient } from "./cog-client.ts";
import { ModelInstance } from "./model-instance.ts";

/**
 * Answers `agents.v1.probe` (one agent of the queue group per request): starts the runtime the
 * way it would run a version, reads `/openapi.json` (and the Cog version from `GET /`) as soon as
 * the server serves it, stops it. A Cog server serves its schema while `setup()` still runs
 * (STARTING), so how long setup takes does not matter here. This is how a version is created from
 * a command or an image: the gateway never starts processes (it cannot, under workerd), the hosts
 * that will run the model do.
 */
export function startProbeResponder(deps: {
  nc: NatsConnection;
  log: Logger;
  now: () => Date;
  cwd: string;
  /** What the probed server inherits of the agent's environment (as for every model server). */
  inheritedEnv?: Record<string, string>;
  /** How long the server may take to serve `/openapi.json` (not to finish its setup). */
  timeoutMs: number;
  /** How often `/openapi.json` is tried until it answers (default 100 ms). */
  pollMs?: number;
}): Subscription {
  const probe = async (req: ProbeRequest): Promise<ProbeReply> => {
    const instance = new ModelInstance({
      versionId: "probe",
      tenancy: { deployment: null, billing: "predict", accountId: "gantry", model: "probe" },
      runtime: req.runtime,
      concurrency: 1,
      cwd: deps.cwd,
      ...(deps.inheritedEnv ? { inheritedEnv: deps.inheritedEnv } : {}),
      // The schema's deadline ends the probe; setup may go on past it until the server is stopped.
      setupTimeoutMs: deps.timeoutMs + 60_000,
      healthIntervalMs: 60_000,
      gpus: false,
      log: deps.log,
      now: deps.now,
      onExit: () => {},
    });
    try {
      const { client, openapi } = await schemaServed(instance, deps.now().getTime() + deps.timeoutMs, deps);
      const cogVersion = await cogVersionOf(client.baseUrl);
      deps.log.info("probe read the schema", { runtime: req.runtime.kind, server: instance.state });
      return { ok: true, openapi, cog_version: cogVersion };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    } finally {
      await instance.stop();
    }
  };
  return deps.nc.subscribe(subjects.agentProbe(), {
    queue: "probe",
    callback: (_err, msg) => {
      let req: ProbeRequest;
      try {
        req = decode(ProbeRequest, msg.data, "probe request");
      } catch (err) {
        msg.respond(encode({ ok: false, error: String(err) } satisfies ProbeReply));
        return;
      }
      void probe(req).then((reply) => msg.respond(encode(reply)));
    },
  });
}

/**
 * The schema of a server as soon as it answers `GET /openapi.json` with a 2xx, booting or not.
 * Fails when the boot fails first (the server exited, SETUP_FAILED), or nothing came by `deadline`.
 */
async function schemaServed(
  instance: ModelInstance,
  deadline: number,
  o: { now: () => Date; timeoutMs: number; pollMs?: number },
): Promise<{ client: CogClient; openapi: Record<string, unknown> }> {
  let last = "";
  for (;;) {
    if (instance.state === "failed") throw new Error(instance.error ?? "the model server did not start");
    const client = instance.client;
    if (client) {
      try {
        return { client, openapi: await client.openapi() };
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      // A ready server that does not serve its schema will not start to.
      if (instance.state === "ready") throw new Error(`The model server is ready but its schema failed: ${last}.`);
    }
    if (o.now().getTime() >= deadline) {
      const s = Math.round(o.timeoutMs / 1000);
      throw new Error(`The model server did not serve /openapi.json within ${s} s${last ? ` (last: ${last})` : ""}.`);
    }
    await sleep(o.pollMs ?? 100);
  }
}

/** The Cog version a server states at `GET /` (null when it says none or does not answer). */
async function cogVersionOf(baseUrl: string): Promise<string | null> {
  try {
    const res = await httpRequest(`${baseUrl}/`, { method: "GET", timeoutMs: 5000, maxBytes: 64 * 1024 });
    const root = JSON.parse(res.text) as { cog_version?: unknown } | null;
    return typeof root?.cog_version === "string" ? root.cog_version : null;
  } catch {
    return null;
  }
}
