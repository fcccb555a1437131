import { readFileSync } from "node:fs";

/**
 * The variables each service reads: the keys of its `env.ts` schema (zod drops unknown keys, so
 * a misspelt variable in a manifest would be ignored without a word). `provision` is the script.
 */
const SOURCES: Record<string, string> = {
  gateway: "apps/gateway/src/env.ts",
  scheduler: "apps/scheduler/src/env.ts",
  billing: "apps/billing/src/env.ts",
  agent: "apps/gpu-agent/src/env.ts",
  admin: "apps/admin/src/server/env.ts",
  provision: "scripts/provision.ts",
};
/** Read by the image, the NVIDIA runtime or Node itself, not by a service's schema. */
const ALWAYS = new Set(["NODE_ENV", "NVIDIA_DRIVER_CAPABILITIES", "NVIDIA_VISIBLE_DEVICES", "TMPDIR", "HOME"]);

export function knownVariables(root: string, service: string): Set<string> | undefined {
  const file = SOURCES[service];
  if (!file) return undefined;
  const text = readFileSync(`${root}${file}`, "utf8");
  const names = [
    ...text.matchAll(/^\s+((?:NATS|GANTRY)_[A-Z0-9_]+):/gm),
    ...text.matchAll(/env\.((?:NATS|GANTRY)_[A-Z0-9_]+)/g),
  ];
  return new Set(names.map((m) => m[1] as string));
}

/** Variables given to a service that it does not read (none: every name is known). */
export function unknownVariables(root: string, where: string, service: string, names: string[]): string[] {
  const known = knownVariables(root, service);
  if (!known) return [`${where}: runs "${service}", which is not a service of the image`];
  return names.filter((n) => !known.has(n) && !ALWAYS.has(n)).map((n) => `${where}: ${n} is not read by ${service}`);
}
