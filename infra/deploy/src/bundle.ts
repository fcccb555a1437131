import { cp, mkdir, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/**
 * Bundles every service for the image (infra/deploy/Dockerfile): one ESM file per service plus
 * the `gantry.mjs` entry, all dependencies inside, so the image carries no node_modules.
 * `npm run deploy:bundle` writes dist/image (with the admin web UI, built first).
 */
const root = fileURLToPath(new URL("../../../", import.meta.url));

export const ENTRIES = {
  gateway: "apps/gateway/src/node.ts",
  scheduler: "apps/scheduler/src/main.ts",
  billing: "apps/billing/src/main.ts",
  agent: "apps/gpu-agent/src/main.ts",
  admin: "apps/admin/src/server/main.ts",
  provision: "scripts/provision.ts",
  gantry: "infra/deploy/src/image/gantry.ts",
};

/** Writes the bundles (not the admin web UI) to `out`. */
export async function bundleServices(out: string): Promise<void> {
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, src]) => [name, `${root}${src}`])),
    outdir: out,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    minifySyntax: true,
    legalComments: "none",
    // `ws` loads these native helpers only when they are installed (they are not).
    external: ["bufferutil", "utf-8-validate"],
    // CommonJS dependencies call require() for Node's built-ins.
    banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
    logLevel: "warning",
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? `${root}dist/image`;
  await bundleServices(out);
  await cp(`${root}apps/admin/dist`, `${out}/admin-web`, { recursive: true });
  console.log(`bundle: ${Object.keys(ENTRIES).join(", ")} and admin-web in ${out}`);
}
