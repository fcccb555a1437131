import { natsAuth } from "@gantry/platform/nats-credentials";
import { connect } from "@nats-io/transport-node";

/** A NATS echo service in its own process: the raw baseline's other end. */
const nc = await connect({
  servers: process.argv[2] ?? "nats://127.0.0.1:4222",
  noAsyncTraces: true,
  ...natsAuth("operator", process.env.NATS_NKEY_SEED),
});
nc.subscribe("bench.echo", {
  callback: (_e, m) => {
    m.respond(m.data);
  },
});
await nc.flush();
process.stdout.write("ready\n");
process.on("SIGTERM", () => void nc.close().then(() => process.exit(0)));
