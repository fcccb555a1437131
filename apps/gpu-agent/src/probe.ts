import { type ProbeReply, ProbeRequest } from "@gantry/contracts/jobs";
import { subjects } from "@gantry/contracts/subjects";
import { decode, encode } from "@gantry/platform/codec";
import { fetchJson } from "@gantry/platform/egress-fetch";
import type { Logger } from "@gantry/platform/logger";
import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import { ModelInstance } from "./model-instance.ts";

/**
 * Answers `agents.v1.probe` (one agent of the queue group per request): starts the runtime the
 * way it would run a version, reads `/openapi.json` (and the Cog version from `GET /`), stops it.
 * This is how a version is created from a command or an image: the gateway never starts
 * processes (it cannot, under workerd), the hosts that will run the model do.
 */
export function startProbeResponder(deps: {
  nc: NatsConnection;
  log: Logger;
  now: () => Date;
  cwd: string;
  /** What the probed server inherits of the agent's environment (as for every model server). */
  inheritedEnv?: Record<string, string>;
  timeoutMs: number;
}): Subscription {
  const probe = async (req: ProbeRequest): Promise<ProbeReply> => {
    const instance = new ModelInstance({
      versionId: "probe",
      tenancy: { deployment: null, billing: "predict", accountId: "gantry", model: "probe" },
      runtime: req.runtime,
      concurrency: 1,
      cwd: deps.cwd,
      ...(deps.inheritedEnv ? { inheritedEnv: deps.inheritedEnv } : {}),
      setupTimeoutMs: deps.timeoutMs,
      healthIntervalMs: 60_000,
      gpus: false,
      log: deps.log,
      now: deps.now,
      onExit: () => {},
    });
    try {
      await instance.ready;
      const client = instance.client;
      if (!client) return { ok: false, error: "the model server did not start" };
      const openapi = await client.openapi();
      const root = (await fetchJson(new URL(`${client.baseUrl}/`), { timeoutMs: 5000, maxBytes: 64 * 1024 }).catch(
        () => null,
      )) as { cog_version?: unknown } | null;
      return { ok: true, openapi, cog_version: typeof root?.cog_version === "string" ? root.cog_version : null };
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
