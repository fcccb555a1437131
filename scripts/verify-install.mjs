#!/usr/bin/env node
// After `npm ci`: every platform binary the lockfile holds for this machine (optional packages
// with os/cpu constraints: biome, esbuild, turbo, workerd, …) is installed. npm skips an optional
// package whose download failed without failing the install; CI then fails far later (a missing
// biome binary at lint). Exits 1 and names what is missing.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
const libc = process.report?.getReport().header.glibcVersionRuntime ? "glibc" : "musl";
const fits = (allowed, value) => !allowed || allowed.includes(value);
const missing = Object.entries(lock.packages ?? {})
  .filter(([path, p]) => path && p.optional && (p.os || p.cpu))
  .filter(([, p]) => fits(p.os, process.platform) && fits(p.cpu, process.arch) && fits(p.libc, libc))
  .map(([path]) => path)
  .filter((path) => !existsSync(join(root, path, "package.json")));
if (missing.length > 0) {
  console.error(`verify-install: missing after npm ci: ${missing.join(", ")}`);
  process.exit(1);
}
console.log("verify-install: every platform binary is installed");
