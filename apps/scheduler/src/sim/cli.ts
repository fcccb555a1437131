import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { simulate } from "./fleet-sim.ts";
import { generateTrace } from "./generate.ts";
import { figures, quantile, summarize } from "./metrics.ts";
import { KEEP_ALIVE, POLICIES, policyNamed, type SimPolicy } from "./policies.ts";
import { type ReportRow, summaryTable, table } from "./report.ts";
import { SHIPPED_TRACES } from "./shipped.ts";
import { formatTrace, parseTrace, type TraceRow } from "./trace.ts";

const USAGE = `usage: npm run simulate -- [--trace FILE --agents N --slots S] [--seed K] [--policy NAME|all] [--fail-rate P]
       npm run simulate -- --write-traces DIR   (writes the shipped traces as CSV)
  Without --trace, runs the shipped traces on their fleets. Policies: ${POLICIES.map((p) => p.name).join(", ")}.`;

const { values } = parseArgs({
  options: {
    trace: { type: "string" },
    agents: { type: "string" },
    slots: { type: "string" },
    seed: { type: "string", default: "1" },
    policy: { type: "string", default: "production" },
    "fail-rate": { type: "string", default: "0" },
    "write-traces": { type: "string" },
    help: { type: "boolean", default: false },
  },
});

const int = (name: string, v: string | undefined): number => {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < 1)
    throw new Error(`--${name} must be a positive integer\n${USAGE}`);
  return n;
};

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const out = values["write-traces"];
if (out) {
  mkdirSync(out, { recursive: true });
  for (const t of SHIPPED_TRACES) writeFileSync(join(out, `${t.name}.csv`), formatTrace(generateTrace(t.spec)));
  console.log(`wrote ${SHIPPED_TRACES.map((t) => `${t.name}.csv`).join(", ")} to ${out}`);
  process.exit(0);
}

const seed = Number(values.seed);
const failRate = Number(values["fail-rate"]);
const policies: SimPolicy[] =
  values.policy === "all" ? POLICIES.filter((p) => p !== KEEP_ALIVE) : [policyNamed(values.policy ?? "production")];

interface Job {
  name: string;
  rows: TraceRow[];
  agents: number;
  slots: number;
}

const jobs: Job[] = values.trace
  ? [
      {
        name: values.trace,
        rows: parseTrace(readFileSync(values.trace, "utf8")),
        agents: int("agents", values.agents),
        slots: int("slots", values.slots),
      },
    ]
  : SHIPPED_TRACES.map((t) => ({ name: t.name, rows: generateTrace(t.spec), agents: t.agents, slots: t.slots }));

const medianBoot = (rows: readonly TraceRow[]) => {
  const boots = new Map(rows.map((r) => [r.model, r.bootMs]));
  return quantile(
    [...boots.values()].sort((a, b) => a - b),
    0.5,
  );
};

const report: ReportRow[] = [];
const timings: string[][] = [];
const json: Record<string, unknown> = {};
for (const job of jobs) {
  const run = async (policy: SimPolicy) => {
    const t0 = performance.now();
    const summary = summarize(
      await simulate(job.rows, { agents: job.agents, slots: job.slots, seed, policy, bootFailRate: failRate }),
    );
    const wall = performance.now() - t0;
    timings.push([job.name, policy.name, String(job.agents), String(job.rows.length), `${(wall / 1000).toFixed(2)}s`]);
    return summary;
  };
  const baseline = await run(KEEP_ALIVE);
  const medianBootMs = medianBoot(job.rows);
  for (const policy of policies) {
    const summary = await run(policy);
    report.push({ trace: job.name, policy: policy.name, summary, medianBootMs, baseline: figures(baseline) });
    json[`${job.name}/${policy.name}`] = {
      ...figures(summary),
      median_boot_ms: medianBootMs,
      baseline: figures(baseline),
    };
  }
  report.push({
    trace: job.name,
    policy: KEEP_ALIVE.name,
    summary: baseline,
    medianBootMs,
    baseline: figures(baseline),
  });
}

// Wall times vary from run to run: they go to stderr, so that stdout is the same for the same trace and seed.
console.error(table(["trace", "policy", "agents", "predictions", "wall"], timings));
console.log(summaryTable(report));
const only = Object.values(json);
console.log(JSON.stringify(only.length === 1 ? only[0] : json));
