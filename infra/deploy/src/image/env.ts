/** The only reader of `process.env` in the image's entry: what its probes need to know. */
export const probeEnv = {
  natsUrl: process.env.NATS_URL ?? "nats://127.0.0.1:4222",
  seed: process.env.NATS_NKEY_SEED,
  seedFile: process.env.NATS_NKEY_SEED_FILE,
  caFile: process.env.NATS_TLS_CA_FILE,
  gatewayPort: Number(process.env.GANTRY_PORT ?? 8787),
  adminPort: Number(process.env.GANTRY_ADMIN_PORT ?? 8790),
  agentPort: Number(process.env.GANTRY_AGENT_PORT ?? 0),
};
