import { cpus } from "node:os";
import { benchBilling } from "./billing.ts";
import { benchCog } from "./cog.ts";
import { benchListing } from "./listing.ts";
import { benchPlacement } from "./placement.ts";
import { benchPredictions } from "./predictions.ts";
import { benchStreaming } from "./streaming.ts";

/** `npm run bench [predictions|cog|streaming|placement|billing|listing]…`: prints markdown tables; copy them into docs/benchmarks.md. */
const only = new Set(process.argv.slice(2));
const want = (name: string) => only.size === 0 || only.has(name);
const header = `## Run of ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}\n`;
process.stdout.write(`${header}\n`);
if (want("predictions")) process.stdout.write(`${await benchPredictions()}\n`);
if (want("cog")) process.stdout.write(`${await benchCog()}\n`);
if (want("streaming")) {
  for (const via of ["sse", "ws"] as const) {
    for (const readers of [100, 1000]) {
      const run = await benchStreaming({ readers, predictions: readers / 20, tokensPerSecond: 20, tokens: 100, via });
      process.stdout.write(`${run}\n`);
    }
  }
}
if (want("placement")) {
  const load = { agents: 4, slotsPerAgent: 2, models: 6, seconds: 20, runMs: 150 };
  for (const rate of [10, 40]) process.stdout.write(`${await benchPlacement({ ...load, rate })}\n`);
}
if (want("billing")) process.stdout.write(`${await benchBilling()}\n`);
if (want("listing")) process.stdout.write(`${await benchListing()}\n`);
process.exit(0);
