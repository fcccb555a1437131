import type { Server } from "node:http";
import { DEMO_MODELS } from "./catalog.ts";
import { createCogFixture, fixtureOptionsFromArgs } from "./cog-fixture.ts";
import { createCogServer } from "./cog-server.ts";
import { TEST_MODELS } from "./test-models.ts";

/**
 * Entry: `tsx models/src/serve.ts <model>` serves one demo (or test) model on `$PORT` (default
 * 5000); `tsx models/src/serve.ts cog-fixture <python|coglet> [flags]` serves the Cog-protocol
 * fixture (see `cog-fixture.ts`). `--fail-predictions` makes every prediction fail (tests of bad
 * releases). `COG_MAX_CONCURRENCY` and `COG_THROTTLE_RESPONSE_INTERVAL` are
 * read as Cog reads them.
 */
const [name = "", ...rest] = process.argv.slice(2);
const concurrency = Number(process.env.COG_MAX_CONCURRENCY ?? 1);
const throttleMs = Number(process.env.COG_THROTTLE_RESPONSE_INTERVAL ?? 0.5) * 1000;
const known = [...DEMO_MODELS, ...TEST_MODELS];
let server: Server;
if (name === "cog-fixture") {
  server = createCogFixture({ ...fixtureOptionsFromArgs(rest), concurrency, throttleMs });
} else {
  const model = known.find((m) => m.name === name);
  if (!model) {
    process.stderr.write(`unknown demo model "${name}"; known: ${known.map((m) => m.name).join(", ")}, cog-fixture\n`);
    process.exit(2);
  }
  // Cog's flag: `--x-mode train` runs the model's trainer at `/trainings`.
  const modeAt = rest.indexOf("--x-mode");
  const mode = modeAt >= 0 && rest[modeAt + 1] === "train" ? "train" : "predict";
  // Tests of bad releases: `--fail-predictions` makes every prediction fail (the schema is the model's).
  const predictor = rest.includes("--fail-predictions")
    ? { ...model.predictor, predict: () => Promise.reject(new Error("this release fails every prediction")) }
    : model.predictor;
  server = createCogServer(predictor, {
    concurrency,
    throttleMs,
    mode,
    weights: process.env.COG_WEIGHTS ?? null,
  });
}
server.listen(Number(process.env.PORT ?? 5000), "127.0.0.1");
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
