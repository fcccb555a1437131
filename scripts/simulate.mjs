// `npm run simulate`: the fleet simulator (apps/scheduler/src/sim/cli.ts), bundled by esbuild in memory
// and run on plain Node. Under tsx a day of a 500-agent fleet ran a quarter slower: tsx keeps every
// function's name, which wraps each closure the simulator's hot loops create (docs/capacity.md, round 9).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { outputFiles } = await build({
  entryPoints: [join(root, "apps/scheduler/src/sim/cli.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  write: false,
  logLevel: "warning",
});
const code = outputFiles?.[0]?.text;
if (!code) throw new Error("esbuild produced no simulator bundle");
await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
