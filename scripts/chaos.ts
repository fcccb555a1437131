// `npm run chaos`: steady creates of gantry/test through the public API while each service and the
// nats-server are killed with -9 and started again; then a table of what was lost, stuck, run twice
// or billed wrong. Options: --duration=S --rate=N --seed=N --drain=S --rounds=N (or GANTRY_CHAOS_*).
// What it does and the recorded runs: docs/reliability.md.
import { cpus } from "node:os";
import { renderTable } from "../e2e/test/chaos/core.ts";
import { runChaos } from "../e2e/test/chaos/run.ts";
import { startPlatform } from "../e2e/test/helpers.ts";

const flag = (name: string, fallback: number): number => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const raw = arg?.slice(name.length + 3) ?? process.env[`GANTRY_CHAOS_${name.toUpperCase()}`];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number, got ${raw}`);
  return n;
};
const durationMs = flag("duration", 90) * 1000;
const rate = flag("rate", 4);
const seed = flag("seed", Date.now() % 100_000);
const drainMs = flag("drain", 120) * 1000;
const rounds =
  process.argv.some((a) => a.startsWith("--rounds=")) || process.env.GANTRY_CHAOS_ROUNDS
    ? flag("rounds", 1)
    : undefined;

const log = (line: string) => process.stderr.write(`[chaos] ${line}\n`);
const runtime = process.env.GANTRY_GATEWAY_RUNTIME === "workerd" ? "workerd" : "node";
log(`${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}, gateway on ${runtime}`);
const p = await startPlatform("r8_chaos_dev_token", { agents: 2 });
let code = 0;
try {
  const r = await runChaos(p, { durationMs, rate, seed, drainMs, rounds, log });
  const label = `${durationMs / 1000} s × ${rate}/s, seed ${seed}`;
  process.stdout.write(`\n${renderTable([{ label, tally: r.tally }])}\n\n`);
  process.stdout.write(`final statuses: ${JSON.stringify(r.tally.statuses)}\n`);
  for (const [column, ids] of Object.entries(r.tally.examples)) {
    if (ids.length > 0) process.stdout.write(`${column}: ${ids.length} (e.g. ${ids.slice(0, 5).join(", ")})\n`);
  }
  const t = r.tally;
  if (t.lost + t.stuck + t.ranTwice > 0 || t.billedMinusShownMs !== 0 || t.billedBeyondModelMs !== 0) code = 1;
} finally {
  await p.close();
}
process.exit(code);
