import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "@gantry/platform/ports";
import { REPO_ROOT } from "./stack.ts";

/**
 * Cog's own classic Python server (v0.14.12, unmodified, kept beside the project in
 * ../shared/vendor: it is not Gantry's code), run with Debian's Python packages, for tests that
 * must meet the real thing. The predictors are Gantry's own, in packages/testing/cog/.
 */

/** Debian packages the server needs (`.ci/run` installs them). */
export const COG_CLASSIC_APT = [
  "python3-fastapi",
  "python3-uvicorn",
  "python3-pydantic",
  "python3-structlog",
  "python3-attr",
  "python3-requests",
  "python3-yaml",
];

export type CogPredictor = "text" | "file";

const PYTHON = "/usr/bin/python3";

/** Where Cog's `python/` folder is: `GANTRY_COG_CLASSIC_PYTHONPATH`, or ../shared/vendor beside the project. */
export function cogClassicPythonPath(): string {
  const candidates = [
    process.env.GANTRY_COG_CLASSIC_PYTHONPATH,
    resolve(REPO_ROOT, "..", "shared", "vendor", "cog-0.14.12", "python"),
    "/work/shared/vendor/cog-0.14.12/python",
  ].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => existsSync(join(p, "cog", "server", "http.py")));
  if (!found) {
    throw new Error(
      `Cog's classic server was not found (looked in ${candidates.join(", ")}); set GANTRY_COG_CLASSIC_PYTHONPATH`,
    );
  }
  return found;
}

/** Throws, saying what to install, when the server cannot start here. */
export function assertCogClassicRuns(): void {
  const py = cogClassicPythonPath();
  const r = spawnSync(PYTHON, ["-c", "import fastapi, uvicorn, pydantic, structlog, attrs, requests, yaml"], {
    env: { PYTHONPATH: py },
    encoding: "utf8",
  });
  if (r.status !== 0) {
    throw new Error(`Cog's classic server needs Debian's ${COG_CLASSIC_APT.join(" ")}: ${r.stderr || r.error}`);
  }
}

/** The folder of one of the test predictors (a `cog.yaml` and its Python). */
export const predictorDir = (name: CogPredictor) => join(REPO_ROOT, "packages", "testing", "cog", name);

/**
 * The argv of a `command` version that runs `name` on Cog's server: the agent appends its flags
 * (`--upload-url`, `--x-mode train`) and sets `PORT`.
 */
export function cogClassicArgv(name: CogPredictor): string[] {
  // `sh -c script cog dir pythonpath [agent's flags…]`
  const script = `dir=$1 py=$2; shift 2; cd "$dir" && PYTHONPATH="$py" exec ${PYTHON} -m cog.server.http --host 127.0.0.1 "$@"`;
  return ["sh", "-c", script, "cog", predictorDir(name), cogClassicPythonPath()];
}

export interface CogClassicServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `name` on Cog's server (a `url` version's server), resolving once it answers READY. */
export async function startCogClassic(
  name: CogPredictor,
  options: { uploadUrl?: string; mode?: "predict" | "train"; timeoutMs?: number } = {},
): Promise<CogClassicServer> {
  const port = await freePort();
  const args = ["-m", "cog.server.http", "--host", "127.0.0.1"];
  if (options.uploadUrl) args.push("--upload-url", options.uploadUrl);
  if (options.mode === "train") args.push("--x-mode", "train");
  const child = spawn(PYTHON, args, {
    cwd: predictorDir(name),
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PORT: String(port), PYTHONPATH: cogClassicPythonPath() },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-8000)));
  child.stderr?.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-8000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, sleep(3000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Cog's server exited (${child.exitCode}): ${output}`);
    const status = await fetch(`${url}/health-check`)
      .then((r) => r.json() as Promise<{ status?: string }>)
      .then((b) => b.status)
      .catch(() => null);
    if (status === "READY") return { url, process: child, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`Cog's server did not get READY: ${output}`);
}
