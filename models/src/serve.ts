import { DEMO_MODELS } from "./catalog.ts";
import { createCogServer } from "./cog-server.ts";

/** Entry: `tsx models/src/serve.ts <model>` serves one demo model on `$PORT` (default 5000). */
const name = process.argv[2] ?? "";
const model = DEMO_MODELS.find((m) => m.name === name);
if (!model) {
  process.stderr.write(`unknown demo model "${name}"; known: ${DEMO_MODELS.map((m) => m.name).join(", ")}\n`);
  process.exit(2);
}
const port = Number(process.env.PORT ?? 5000);
const server = createCogServer(model.predictor, {
  concurrency: Number(process.env.COG_MAX_CONCURRENCY ?? 1),
  throttleMs: Number(process.env.COG_THROTTLE_RESPONSE_INTERVAL ?? 0.5) * 1000,
});
server.listen(port, "127.0.0.1");
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
