/**
 * How a model server is started, as pure functions: the environment a `command` server gets
 * and the `docker run` argv of an `image` server. Model servers run tenants' code: they get no
 * NATS address or credentials, no platform secret and no host network.
 */

/** Variables of the agent's environment a model server inherits (when set). */
const INHERITED = ["PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "LD_LIBRARY_PATH"];
/** Prefixes of inherited variables: GPU runtime settings. */
const INHERITED_PREFIXES = ["CUDA_", "NVIDIA_"];
/** Never inherited, even when an operator lists them: the platform's own settings and secrets. */
const NEVER = /^(NATS_|GANTRY_|NKEYS?_)/;

/**
 * The part of the agent's environment a `command` model server inherits: PATH, locale, time
 * zone, the dynamic loader's path, CUDA_* and NVIDIA_*, and the names an operator lists
 * (GANTRY_MODEL_ENV); never NATS_*, GANTRY_* or NKEY*.
 */
export function inheritedEnv(source: Record<string, string | undefined>, extra: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || NEVER.test(name)) continue;
    if (INHERITED.includes(name) || extra.includes(name) || INHERITED_PREFIXES.some((p) => name.startsWith(p))) {
      out[name] = value;
    }
  }
  return out;
}

/**
 * What Cog reads: the port, concurrency, token-level webhooks, and a trained version's weights
 * (`COG_WEIGHTS`: a URL, which Cog downloads; it refuses plain paths).
 */
export function cogEnv(port: number, concurrency: number, weights: string | null): Record<string, string> {
  return {
    PORT: String(port),
    COG_MAX_CONCURRENCY: String(concurrency),
    // Token-level webhooks (reference §7, step 1).
    COG_THROTTLE_RESPONSE_INTERVAL: "0",
    ...(weights ? { COG_WEIGHTS: weights } : {}),
  };
}

/** The whole environment of a `command` server: inherited, a scratch HOME/TMPDIR, and Cog's. */
export function commandEnv(
  inherited: Record<string, string>,
  scratch: string,
  cog: Record<string, string>,
): Record<string, string> {
  return { ...inherited, HOME: scratch, TMPDIR: scratch, ...cog };
}

/** The name model servers in containers reach the agent's host by (`--add-host … host-gateway`). */
export const DOCKER_HOST_NAME = "host.docker.internal";

export interface DockerRun {
  name: string;
  image: string;
  port: number;
  gpus: boolean;
  /** Cog's variables, `COG_WEIGHTS` (a URL of the agent's) included. */
  cog: Record<string, string>;
  /** Extra arguments for the server (train mode, `--upload-url`). */
  serverArgs: string[];
}

/**
 * `docker run` of a Cog image: the default bridge network (never the host's), the server's port
 * published on the host's loopback only, the agent's host reachable as `host.docker.internal`
 * (for the server's webhooks), and only Cog's variables inside.
 */
export function dockerRunArgv(o: DockerRun): string[] {
  return [
    "docker",
    "run",
    "--rm",
    "--name",
    o.name,
    "--network",
    "bridge",
    "--publish",
    `127.0.0.1:${o.port}:${o.port}`,
    "--add-host",
    `${DOCKER_HOST_NAME}:host-gateway`,
    ...(o.gpus ? ["--gpus", "all"] : []),
    ...Object.entries(o.cog).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
    o.image,
    ...(o.serverArgs.length > 0 ? ["python", "-m", "cog.server.http", ...o.serverArgs] : []),
  ];
}

/** A URL of the agent (webhooks, uploads, weights) as a server in a container reaches it. */
export function webhookUrlForContainer(url: string): string {
  const u = new URL(url);
  u.hostname = DOCKER_HOST_NAME;
  return u.href;
}
