/**
 * Local-development conveniences `npm start` switches on unless told otherwise, each announced in
 * its banner. With every one set to 0 the platform runs exactly as production does (the services'
 * own defaults). Pure.
 */

export interface Convenience {
  /** The service setting, `0` in production. */
  name: string;
  /** What it allows, for the banner. */
  what: string;
}

export const LOCAL_CONVENIENCES: readonly Convenience[] = [
  { name: "GANTRY_WEBHOOKS_ALLOW_PRIVATE", what: "webhooks may reach this machine and private addresses" },
  {
    name: "GANTRY_ALLOW_VERSION_COMMANDS",
    what: "the dev account may register versions the platform starts itself (a command or an image)",
  },
];

const isOn = (value: string) => value === "1" || value === "true";

/**
 * The settings `npm start` gives the services (each convenience `1` unless `env` sets it) and the
 * conveniences that are on.
 *
 * @example
 * localConveniences({ GANTRY_WEBHOOKS_ALLOW_PRIVATE: "0" })
 * // { env: { GANTRY_WEBHOOKS_ALLOW_PRIVATE: "0", GANTRY_ALLOW_VERSION_COMMANDS: "1" }, on: [{ name: "GANTRY_ALLOW_VERSION_COMMANDS", … }] }
 */
export function localConveniences(env: Record<string, string | undefined>): {
  env: Record<string, string>;
  on: Convenience[];
} {
  const out: Record<string, string> = {};
  const on: Convenience[] = [];
  for (const c of LOCAL_CONVENIENCES) {
    const value = env[c.name] ?? "1";
    out[c.name] = value;
    if (isOn(value)) on.push(c);
  }
  return { env: out, on };
}

/** The banner's lines about conveniences: none when nothing is on (production as it runs). */
export function conveniencesBanner(on: readonly Convenience[]): string[] {
  if (on.length === 0) return [];
  const width = Math.max(...on.map((c) => c.name.length)) + 2;
  return [
    "Local conveniences on (set them to 0 to run as production does):",
    ...on.map((c) => `  ${`${c.name}=1`.padEnd(width + 2)}${c.what}`),
  ];
}
