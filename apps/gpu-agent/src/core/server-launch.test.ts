import { describe, expect, it } from "vitest";
import { cogEnv, commandEnv, dockerRunArgv, inheritedEnv, webhookUrlForContainer } from "./server-launch.ts";

const agentEnv = {
  PATH: "/usr/bin:/bin",
  LANG: "C.UTF-8",
  HOME: "/home/agent",
  NATS_URL: "nats://10.0.0.2:4222",
  NATS_NKEY_SEED: "SUAXXXX",
  NKEYS_PATH: "/etc/nkeys",
  GANTRY_SIGNING_SECRET: "s3cr3t-s3cr3t-s3cr3t",
  GANTRY_MODEL_ENV: "HF_HOME",
  AWS_SECRET_ACCESS_KEY: "aws",
  CUDA_VISIBLE_DEVICES: "0",
  NVIDIA_DRIVER_CAPABILITIES: "compute",
  HF_HOME: "/models/hf",
};

describe("inheritedEnv", () => {
  it("passes PATH, locale, CUDA/NVIDIA and the operator's list; never NATS, GANTRY, NKEY or anything else", () => {
    expect(inheritedEnv(agentEnv, ["HF_HOME", "NATS_URL", "GANTRY_SIGNING_SECRET"])).toEqual({
      PATH: "/usr/bin:/bin",
      LANG: "C.UTF-8",
      CUDA_VISIBLE_DEVICES: "0",
      NVIDIA_DRIVER_CAPABILITIES: "compute",
      HF_HOME: "/models/hf",
    });
    expect(inheritedEnv(agentEnv)).not.toHaveProperty("HF_HOME");
  });

  it("gives a command server its own HOME and TMPDIR and Cog's variables", () => {
    const env = commandEnv({ PATH: "/bin" }, "/tmp/gantry-model-x", cogEnv(5000, 4, "/w/weights"));
    expect(env).toEqual({
      PATH: "/bin",
      HOME: "/tmp/gantry-model-x",
      TMPDIR: "/tmp/gantry-model-x",
      PORT: "5000",
      COG_MAX_CONCURRENCY: "4",
      COG_THROTTLE_RESPONSE_INTERVAL: "0",
      COG_WEIGHTS: "/w/weights",
    });
  });
});

describe("dockerRunArgv", () => {
  const base = { name: "gantry-abc", image: "r8.im/acme/model@sha256:1", port: 5123, gpus: false };

  it("runs on the bridge network, publishes the port on loopback only, and passes only Cog's variables", () => {
    const argv = dockerRunArgv({ ...base, cog: cogEnv(5123, 2, null), serverArgs: [] });
    expect(argv).not.toContain("host");
    expect(argv.join(" ")).not.toMatch(/--network host|--net=host|NATS|GANTRY/);
    expect(argv).toEqual([
      "docker",
      "run",
      "--rm",
      "--name",
      "gantry-abc",
      "--network",
      "bridge",
      "--publish",
      "127.0.0.1:5123:5123",
      "--add-host",
      "host.docker.internal:host-gateway",
      "-e",
      "PORT=5123",
      "-e",
      "COG_MAX_CONCURRENCY=2",
      "-e",
      "COG_THROTTLE_RESPONSE_INTERVAL=0",
      "r8.im/acme/model@sha256:1",
    ]);
  });

  it("adds GPUs, weights by URL, train mode and the upload URL when asked", () => {
    const weights = "http://host.docker.internal:4000/weights/i/t/weights";
    const argv = dockerRunArgv({
      ...base,
      gpus: true,
      cog: cogEnv(5123, 1, weights),
      serverArgs: ["--x-mode", "train", "--upload-url", "http://host.docker.internal:4000/upload/i/t/"],
    });
    expect(argv.slice(argv.indexOf("--gpus"), argv.indexOf("--gpus") + 2)).toEqual(["--gpus", "all"]);
    expect(argv).toContain(`COG_WEIGHTS=${weights}`);
    // Nothing of the host's disk is mounted into a tenant's container.
    expect(argv).not.toContain("-v");
    expect(argv.slice(argv.indexOf("r8.im/acme/model@sha256:1"))).toEqual([
      "r8.im/acme/model@sha256:1",
      "python",
      "-m",
      "cog.server.http",
      "--x-mode",
      "train",
      "--upload-url",
      "http://host.docker.internal:4000/upload/i/t/",
    ]);
  });

  it("points a container's webhooks at the host by name", () => {
    expect(webhookUrlForContainer("http://127.0.0.1:40123/webhooks/abc")).toBe(
      "http://host.docker.internal:40123/webhooks/abc",
    );
  });
});
