import type {
  Container,
  EnvVar,
  PodSecurityContext,
  SecurityContext,
  Volume,
  VolumeMount,
} from "kubernetes-types/core/v1";
import type { ObjectMeta } from "kubernetes-types/meta/v1";
import { natsUrl, ns, settings } from "./settings.ts";

/** The labels every object of one component carries; selectors use the same. */
export const labels = (component: string) => ({
  "app.kubernetes.io/name": component,
  "app.kubernetes.io/part-of": "gantry",
});
export const selector = (component: string) => ({ "app.kubernetes.io/name": component });

export const meta = (name: string, component = name): ObjectMeta => ({
  name,
  namespace: ns,
  labels: labels(component),
});

/** Pods of ours run as the image's unprivileged user, with nothing they do not need. */
export const podSecurity: PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: settings.uid,
  runAsGroup: settings.uid,
  fsGroup: settings.uid,
  seccompProfile: { type: "RuntimeDefault" },
};
export const containerSecurity: SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
};

/**
 * The NATS identity of one service: its nkey seed (one key of the `gantry-nats-seeds` Secret,
 * mounted alone) and the CA of the NATS nodes' certificates.
 */
export function natsIdentity(
  identity: string,
  tmpSizeLimit: string | null = "256Mi",
): { env: EnvVar[]; volumes: Volume[]; mounts: VolumeMount[] } {
  return {
    env: [
      { name: "NATS_URL", value: natsUrl },
      { name: "NATS_NKEY_SEED_FILE", value: "/etc/gantry/nats-seed/seed.nk" },
      { name: "NATS_TLS_CA_FILE", value: "/etc/gantry/nats-ca/ca.pem" },
      { name: "GANTRY_NATS_REPLICAS", value: String(settings.natsReplicas) },
    ],
    volumes: [
      {
        name: "nats-seed",
        secret: {
          secretName: "gantry-nats-seeds",
          items: [{ key: `${identity}.nk`, path: "seed.nk" }],
          defaultMode: 0o440,
        },
      },
      { name: "nats-ca", secret: { secretName: "gantry-nats-ca", defaultMode: 0o444 } },
      // The root filesystem is read-only; temporary files go here.
      { name: "tmp", emptyDir: tmpSizeLimit ? { sizeLimit: tmpSizeLimit } : {} },
    ],
    mounts: [
      { name: "nats-seed", mountPath: "/etc/gantry/nats-seed", readOnly: true },
      { name: "nats-ca", mountPath: "/etc/gantry/nats-ca", readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
    ],
  };
}

/** Settings of the `gantry-config` ConfigMap several services read. */
export const fromConfig = (name: string, key: string): EnvVar => ({
  name,
  valueFrom: { configMapKeyRef: { name: "gantry-config", key } },
});

/**
 * Services with no HTTP listener (scheduler, billing) are probed by `gantry probe nats`: this
 * pod's identity connects to NATS and round-trips (credentials, CA and network all work).
 */
export const natsProbeCommand = ["node", "/app/gantry.mjs", "probe", "nats"];

/** A service container of the gantry image: `node /app/gantry.mjs <service>`. */
export function serviceContainer(
  service: string,
  o: Omit<Container, "name" | "image" | "args" | "securityContext">,
): Container {
  return {
    name: service,
    image: settings.image,
    imagePullPolicy: "IfNotPresent",
    args: [service],
    securityContext: containerSecurity,
    ...o,
  };
}
