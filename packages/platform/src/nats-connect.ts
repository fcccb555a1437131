import { readFileSync } from "node:fs";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { natsAuth } from "./nats-credentials.ts";
import type { ServiceIdentity } from "./nats-permissions.ts";
import { skipSettledRequestErrors } from "./nats-request-cancel.ts";

export interface ServiceNatsSettings {
  /** NATS_URL: one URL or several, comma-separated. */
  url: string;
  /** NATS_NKEY_SEED: the service's nkey seed (`SU…`). */
  seed?: string | undefined;
  /** NATS_NKEY_SEED_FILE: a file holding it (e.g. a mounted secret); used when `seed` is unset. */
  seedFile?: string | undefined;
  /** NATS_TLS_CA_FILE: the CA that signed the servers' certificates (TLS to the cluster). */
  caFile?: string | undefined;
}

/** The seed from the settings: inline, or read from its file. None: connect without credentials. */
export function serviceSeed(s: ServiceNatsSettings): string | undefined {
  if (s.seed) return s.seed.trim();
  if (s.seedFile) return readFileSync(s.seedFile, "utf8").trim();
  return undefined;
}

/**
 * How every Node service connects: as its own NATS identity (nkey and inbox prefix), reconnecting
 * forever. Without a seed it connects anonymously, which an authenticated server refuses.
 */
export function connectService(
  identity: ServiceIdentity,
  s: ServiceNatsSettings,
  name: string = identity,
): Promise<NatsConnection> {
  skipSettledRequestErrors();
  return connect({
    servers: s.url.split(",").map((u) => u.trim()),
    name,
    maxReconnectAttempts: -1,
    noAsyncTraces: true,
    ...(s.caFile ? { tls: { caFile: s.caFile } } : {}),
    ...natsAuth(identity, serviceSeed(s)),
  });
}
