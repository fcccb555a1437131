import { startNatsServer } from "@gantry/testing/nats-server";
import { ensureTopology } from "@gantry/platform/topology";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { measure } from "./stats.ts";
await using nats = await startNatsServer();
const nc = await connect({ servers: nats.url });
const b = await ensureTopology(nc);
const js = jetstream(nc);
let i = 0;
const data = new TextEncoder().encode(JSON.stringify({ a: "x".repeat(800) }));
for (const [name, op] of [
  ["kv.create", async () => { await b.predictions.create(`k${i++}`, data); }],
  ["kv.get", async () => { await b.predictions.get(`k${(i++) % 100}`); }],
  ["js.publish events", async () => { await js.publish(`predictions.v1.events.x${i++}`, data); }],
  ["js.publish work", async () => { await js.publish(`work.v1.predictions.cpu`, data, {msgID: `m${i++}`}); }],
  ["nc.request", async () => { await nc.flush(); }],
] as const) {
  const r = await measure(name, 1000, 1, op);
  console.log(name, r.p50.toFixed(2), r.p99.toFixed(2));
}
process.exit(0);
