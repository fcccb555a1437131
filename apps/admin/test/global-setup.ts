import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The web UI built from the current sources, for the HTTP and browser suites. */
    webDir: string;
  }
}

/** Builds the web UI once per run into a temporary directory, so tests never see a stale `dist/`. */
export default async function setup(project: TestProject) {
  const outDir = await mkdtemp(join(tmpdir(), "gantry-admin-web-"));
  // Vitest sets NODE_ENV=test, which would give a development JSX runtime: build what ships.
  // biome-ignore lint/style/noProcessEnv: vite's JSX transform reads NODE_ENV; restored below
  const nodeEnv = process.env.NODE_ENV;
  // biome-ignore lint/style/noProcessEnv: as above
  process.env.NODE_ENV = "production";
  try {
    await build({
      configFile: fileURLToPath(new URL("../vite.config.ts", import.meta.url)),
      build: { outDir, emptyOutDir: true },
      logLevel: "warn",
    });
  } finally {
    // biome-ignore lint/style/noProcessEnv: as above
    process.env.NODE_ENV = nodeEnv;
  }
  project.provide("webDir", outDir);
  return () => rm(outDir, { recursive: true, force: true });
}
