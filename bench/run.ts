import { cpus } from "node:os";
import { benchPredictions } from "./predictions.ts";

/** `npm run bench`: prints markdown tables; copy them into docs/benchmarks.md. */
const header = `## Run of ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}\n`;
process.stdout.write(`${header}\n`);
process.stdout.write(`${await benchPredictions()}\n`);
process.exit(0);
