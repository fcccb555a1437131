import { readFileSync } from "node:fs";
import { natsAuth } from "@gantry/platform/nats-credentials";
import { ensureTopology } from "@gantry/platform/topology";
import { connect } from "@nats-io/transport-node";

/**
 * `npm run provision`: creates or updates Gantry's streams, KV buckets and object store (and the
 * shared URL-signing key) as the `provisioner` NATS identity. Services never change topology:
 * they wait until this has run. Idempotent; run it on every deploy.
 *
 *   NATS_URL=tls://gantry-1:4222 NATS_NKEY_SEED_FILE=/etc/gantry/nats/seeds/provisioner.nk \
 *   NATS_TLS_CA_FILE=/etc/gantry/nats/ca.pem GANTRY_NATS_REPLICAS=3 npm run provision
 */
const env = process.env;
const seed =
  env.NATS_NKEY_SEED ?? (env.NATS_NKEY_SEED_FILE ? readFileSync(env.NATS_NKEY_SEED_FILE, "utf8") : undefined);
if (!seed) {
  console.error("provision: set NATS_NKEY_SEED or NATS_NKEY_SEED_FILE to the provisioner's nkey seed");
  process.exit(2);
}
const replicas = Number(env.GANTRY_NATS_REPLICAS ?? 1);
const retentionMs = Number(env.GANTRY_RETENTION_MS ?? 3_600_000);
const nc = await connect({
  servers: (env.NATS_URL ?? "nats://127.0.0.1:4222").split(","),
  name: "provisioner",
  ...(env.NATS_TLS_CA_FILE ? { tls: { caFile: env.NATS_TLS_CA_FILE } } : {}),
  ...natsAuth("provisioner", seed),
});
await ensureTopology(nc, { replicas, retentionMs });
await nc.close();
console.log(`provision: topology ready (replicas ${replicas}, retention ${retentionMs} ms)`);
