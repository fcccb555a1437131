#!/usr/bin/env node
// `npm test`: lint, typecheck, then every package's unit, integration and end-to-end tests
// (real nats-server, real processes), one package at a time. Ends with "N passed, N failed".
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: "1",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
};
const bin = (name) => join(root, "node_modules", ".bin", name);
const workspaces = ["apps", "packages"]
  .flatMap((d) => readdirSync(join(root, d)).map((p) => join(root, d, p)))
  .concat([join(root, "models"), join(root, "e2e")]);
const resultsOf = (dir) => join(dir, "test-results");
const reportsOf = (dir) =>
  existsSync(resultsOf(dir))
    ? readdirSync(resultsOf(dir))
        .filter((f) => /^vitest.*\.json$/.test(f))
        .map((f) => join(resultsOf(dir), f))
    : [];
for (const dir of workspaces) for (const f of reportsOf(dir)) rmSync(f, { force: true });

const steps = [
  ["lint", bin("biome"), ["ci", "."]],
  ["typecheck", bin("turbo"), ["run", "typecheck", "--env-mode=loose"]],
  // Every GANTRY_*/NATS_* setting in one generated table, current, shared ones agreeing.
  ["configuration reference", "npm", ["run", "config:docs", "--silent", "--", "--check"]],
  // Images, compose and Kubernetes files, checked offline (seconds): infra/deploy/src/check.ts.
  ["deploy files", "npm", ["run", "deploy:check", "--silent"]],
  // The Worker bundles as it would deploy (no network needed for a dry run).
  ["bundle the gateway Worker", "npm", ["run", "build:worker", "--workspace", "@gantry/gateway"]],
  ["test", bin("turbo"), ["run", "test", "--concurrency=1", "--env-mode=loose"]],
  // The same end-to-end suites again, with the gateway under workerd (wrangler dev) instead of Node.
  [
    "e2e (gateway on workerd)",
    bin("vitest"),
    [
      "run",
      "--root",
      "e2e",
      "--reporter=default",
      "--reporter=json",
      "--outputFile.json=test-results/vitest-workerd.json",
      // The cluster suite runs its gateways on Node whatever the runtime: once, in the step above.
      "--exclude",
      "test/cluster/**",
    ],
    { GANTRY_GATEWAY_RUNTIME: "workerd" },
  ],
];
let failedStep = null;
for (const [name, cmd, args, extraEnv] of steps) {
  console.log(`\n▶ ${name}`);
  const r = spawnSync(cmd, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: "inherit" });
  if (r.status !== 0) {
    failedStep = name;
    break;
  }
}

let passed = 0;
let failed = 0;
for (const file of workspaces.flatMap(reportsOf)) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numTodoTests ?? 0);
}
if (failedStep) console.error(`\n✗ ${failedStep} failed`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failedStep || failed > 0 || passed === 0 ? 1 : 0);
