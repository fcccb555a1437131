import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";

/** Optional native helpers of `ws`, required inside try/catch. */
const OPTIONAL = new Set(["bufferutil", "utf-8-validate"]);

/**
 * Imports in a bundle directory that the image could not satisfy: packages (the image has no
 * node_modules) and relative paths leading out of the directory or to missing files.
 */
export function unresolvedImports(dir: string): string[] {
  const problems: string[] = [];
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".mjs"));
  for (const file of files) {
    const text = readFileSync(join(dir, file), "utf8");
    const specifiers = [
      ...text.matchAll(/\b(?:from|import)\s*\(?\s*"([^"\s,]+)"/g),
      ...text.matchAll(/\brequire\(\s*"([^"\s,]+)"\s*\)/g),
    ].map((m) => m[1] as string);
    for (const s of new Set(specifiers)) {
      if (s.startsWith("./") || s.startsWith("../")) {
        const target = resolve(dirname(join(dir, file)), s);
        if (relative(dir, target).startsWith("..") || !existsSync(target)) problems.push(`${file}: imports ${s}`);
      } else if (!s.startsWith("node:") && !builtinModules.includes(s) && !OPTIONAL.has(s)) {
        problems.push(`${file}: imports the package ${s}`);
      }
    }
  }
  return problems;
}
