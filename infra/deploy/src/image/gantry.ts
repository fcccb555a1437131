import { probeHttp, probeNats, probeRunning, probeTcp } from "./probes.ts";

/**
 * The image's entry: `gantry <service>` runs one service (each is bundled beside this file),
 * `gantry probe [nats | tcp PORT | http PORT PATH]` is a health probe (no argument: the one that
 * fits the running service; the Dockerfile's HEALTHCHECK).
 */
const SERVICES = ["gateway", "scheduler", "billing", "agent", "admin", "provision"];
const [command, ...rest] = process.argv.slice(2);

if (command && SERVICES.includes(command)) {
  // Each service is its own bundle beside this file (not resolved at bundle time).
  await import(new URL(`./${command}.mjs`, import.meta.url).href);
} else if (command === "probe") {
  const [kind, a, b] = rest;
  const run =
    kind === "nats"
      ? probeNats()
      : kind === "tcp"
        ? probeTcp(Number(a))
        : kind === "http"
          ? probeHttp(Number(a), b ?? "/")
          : probeRunning();
  await run.then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`probe failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
} else {
  process.stderr.write(`usage: gantry <${SERVICES.join("|")}> | gantry probe [nats|tcp PORT|http PORT PATH]\n`);
  process.exit(2);
}
