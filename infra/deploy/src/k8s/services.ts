import type { DaemonSet, Deployment } from "kubernetes-types/apps/v1";
import type { HorizontalPodAutoscaler } from "kubernetes-types/autoscaling/v2";
import type { Job } from "kubernetes-types/batch/v1";
import type { ConfigMap, EnvVar, Namespace, Service } from "kubernetes-types/core/v1";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1";
import {
  containerSecurity,
  fromConfig,
  labels,
  meta,
  natsIdentity,
  natsProbeCommand,
  podSecurity,
  selector,
  serviceContainer,
} from "./common.ts";
import { ns, settings } from "./settings.ts";

export const namespace: Namespace = {
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name: ns, labels: { "app.kubernetes.io/part-of": "gantry" } },
};

/** Settings several services must agree on. */
export const config: ConfigMap = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: meta("gantry-config", "gantry"),
  data: {
    "public-url": settings.publicUrl,
    "retention-ms": "3600000",
  },
};

const retention = fromConfig("GANTRY_RETENTION_MS", "retention-ms");
const shared = [fromConfig("GANTRY_PUBLIC_URL", "public-url"), retention];
/** The URL-signing key; when the Secret is absent, gateways and agents share one kept in NATS. */
const signingSecret = {
  name: "GANTRY_SIGNING_SECRET",
  valueFrom: { secretKeyRef: { name: "gantry-signing", key: "signing-secret", optional: true } },
};

const gw = natsIdentity("gateway");
export const gateway: Deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: meta("gateway"),
  spec: {
    replicas: 2,
    selector: { matchLabels: selector("gateway") },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    template: {
      metadata: { labels: labels("gateway") },
      spec: {
        securityContext: podSecurity,
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: 30,
        containers: [
          serviceContainer("gateway", {
            env: [
              ...gw.env,
              ...shared,
              signingSecret,
              { name: "GANTRY_HOST", value: "0.0.0.0" },
              { name: "GANTRY_PORT", value: String(settings.gatewayPort) },
            ],
            ports: [{ name: "http", containerPort: settings.gatewayPort }],
            resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "1Gi" } },
            volumeMounts: gw.mounts,
            // `/health` answers once NATS is connected and the topology opened (node.ts).
            startupProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 2, failureThreshold: 150 },
            readinessProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 5, failureThreshold: 2 },
            livenessProbe: {
              httpGet: { path: "/health", port: "http" },
              periodSeconds: 15,
              timeoutSeconds: 5,
              failureThreshold: 4,
            },
            // Endpoints drop this pod before it stops taking connections.
            lifecycle: { preStop: { exec: { command: ["sleep", "5"] } } },
          }),
        ],
        volumes: gw.volumes,
      },
    },
  },
};

export const gatewayService: Service = {
  apiVersion: "v1",
  kind: "Service",
  metadata: meta("gateway"),
  spec: {
    selector: selector("gateway"),
    ports: [{ name: "http", port: settings.gatewayPort, targetPort: "http" }],
  },
};

export const gatewayAutoscaler: HorizontalPodAutoscaler = {
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: meta("gateway"),
  spec: {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "gateway" },
    minReplicas: 2,
    maxReplicas: 10,
    metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
    // Scale down slowly: SSE and WebSocket readers reconnect to another gateway, but not for free.
    behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
  },
};

export const gatewayDisruptionBudget: PodDisruptionBudget = {
  apiVersion: "policy/v1",
  kind: "PodDisruptionBudget",
  metadata: meta("gateway"),
  spec: { minAvailable: 1, selector: { matchLabels: selector("gateway") } },
};

/** Scheduler and billing: no HTTP listener, two replicas sharing work through NATS. */
function worker(service: "scheduler" | "billing", extraEnv: EnvVar[]): Deployment {
  const id = natsIdentity(service);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(service),
    spec: {
      replicas: 2,
      selector: { matchLabels: selector(service) },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: labels(service) },
        spec: {
          securityContext: podSecurity,
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 30,
          containers: [
            serviceContainer(service, {
              env: [...id.env, ...extraEnv],
              resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "1Gi" } },
              volumeMounts: id.mounts,
              // Ready once this pod's identity reaches NATS; a lost process exits and restarts
              // (no liveness probe tied to NATS: an outage must not restart every pod).
              readinessProbe: {
                exec: { command: natsProbeCommand },
                periodSeconds: 20,
                timeoutSeconds: 10,
                failureThreshold: 3,
              },
            }),
          ],
          volumes: id.volumes,
        },
      },
    },
  };
}

export const scheduler = worker("scheduler", shared);
export const billing = worker("billing", [retention]);

const adm = natsIdentity("admin");
export const admin: Deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: meta("admin"),
  spec: {
    replicas: 1,
    selector: { matchLabels: selector("admin") },
    template: {
      metadata: { labels: labels("admin") },
      spec: {
        securityContext: podSecurity,
        automountServiceAccountToken: false,
        containers: [
          serviceContainer("admin", {
            env: [
              ...adm.env,
              ...shared,
              { name: "GANTRY_ADMIN_HOST", value: "0.0.0.0" },
              { name: "GANTRY_ADMIN_PORT", value: String(settings.adminPort) },
              // The console calls the API through its own /api relay: the gateway's Service.
              { name: "GANTRY_API_URL", value: `http://gateway.${ns}.svc:${settings.gatewayPort}` },
              {
                name: "GANTRY_ADMIN_TOKEN",
                valueFrom: { secretKeyRef: { name: "gantry-admin", key: "admin-token" } },
              },
            ],
            ports: [{ name: "http", containerPort: settings.adminPort }],
            resources: { requests: { cpu: "100m", memory: "192Mi" }, limits: { memory: "512Mi" } },
            volumeMounts: adm.mounts,
            startupProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 2, failureThreshold: 150 },
            readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10 },
            livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 20, timeoutSeconds: 5 },
          }),
        ],
        volumes: adm.volumes,
      },
    },
  },
};

/** Internal only: reach it with `kubectl port-forward` or an authenticated ingress of your own. */
export const adminService: Service = {
  apiVersion: "v1",
  kind: "Service",
  metadata: meta("admin"),
  spec: { selector: selector("admin"), ports: [{ name: "http", port: settings.adminPort, targetPort: "http" }] },
};

// Model servers' scratch space (HOME, TMPDIR) is under /tmp: no size limit but the node's disk.
const agentId = natsIdentity("agent", null);
/**
 * One agent per GPU node, holding the node's GPUs (`gpusPerAgent`): model servers are its child
 * processes (`command` and `url` versions). `image` versions need Docker on the node: see
 * docs/deploy.md.
 */
export const agent: DaemonSet = {
  apiVersion: "apps/v1",
  kind: "DaemonSet",
  metadata: meta("gpu-agent"),
  spec: {
    selector: { matchLabels: selector("gpu-agent") },
    updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
    template: {
      metadata: { labels: labels("gpu-agent") },
      spec: {
        securityContext: podSecurity,
        automountServiceAccountToken: false,
        // Running predictions get the cancel grace, then the agent stops its servers.
        terminationGracePeriodSeconds: 60,
        // Set by NVIDIA's GPU Feature Discovery / GPU Operator; change it to your GPU nodes' label.
        nodeSelector: { "nvidia.com/gpu.present": "true" },
        tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
        containers: [
          {
            name: "agent",
            image: settings.agentImage,
            imagePullPolicy: "IfNotPresent",
            args: ["agent"],
            securityContext: containerSecurity,
            env: [
              ...agentId.env,
              ...shared,
              signingSecret,
              // The node's name: a restarted agent is the same agent.
              { name: "GANTRY_AGENT_ID", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
              { name: "GANTRY_AGENT_PORT", value: String(settings.agentPort) },
              { name: "GANTRY_AGENT_STATE_DIR", value: "/var/lib/gantry-agent" },
              { name: "GANTRY_MODELS_DIR", value: "/models" },
              { name: "NVIDIA_DRIVER_CAPABILITIES", value: "compute,utility" },
            ],
            resources: {
              requests: { cpu: "1", memory: "4Gi" },
              // Extended resources go in limits (a request, if given, must equal it).
              limits: { "nvidia.com/gpu": String(settings.gpusPerAgent) },
            },
            volumeMounts: [
              ...agentId.mounts,
              { name: "state", mountPath: "/var/lib/gantry-agent" },
              { name: "models", mountPath: "/models", readOnly: true },
              { name: "work", mountPath: "/home/gantry" },
            ],
            // The agent's own listener (model servers' webhooks) answers on loopback only.
            livenessProbe: {
              exec: { command: ["node", "/app/gantry.mjs", "probe", "tcp", String(settings.agentPort)] },
              initialDelaySeconds: 30,
              periodSeconds: 30,
              timeoutSeconds: 10,
            },
            readinessProbe: { exec: { command: natsProbeCommand }, periodSeconds: 30, timeoutSeconds: 10 },
          },
        ],
        volumes: [
          ...agentId.volumes,
          // The agent's ledger of model servers and its weights cache. Its model servers are its
          // children in this container and end with it, so nothing needs to outlive the pod.
          { name: "state", emptyDir: {} },
          // Predictor directories of `command` versions, put on the node by the operator (read-only).
          { name: "models", hostPath: { path: "/var/lib/gantry-models", type: "DirectoryOrCreate" } },
          { name: "work", emptyDir: {} },
        ],
      },
    },
  },
};

const prov = natsIdentity("provisioner");
/**
 * Creates or updates streams, buckets and the object store (idempotent). Finished Jobs are
 * removed after an hour, so the next `kubectl apply` runs it again (as every deploy should).
 */
export const provision: Job = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: meta("provision"),
  spec: {
    backoffLimit: 20,
    ttlSecondsAfterFinished: 3600,
    template: {
      metadata: { labels: labels("provision") },
      spec: {
        restartPolicy: "OnFailure",
        securityContext: podSecurity,
        automountServiceAccountToken: false,
        containers: [
          serviceContainer("provision", {
            env: [...prov.env, retention],
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
            volumeMounts: prov.mounts,
          }),
        ],
        volumes: prov.volumes,
      },
    },
  },
};

export const gantryObjects = [
  config,
  provision,
  gateway,
  gatewayService,
  gatewayAutoscaler,
  gatewayDisruptionBudget,
  scheduler,
  billing,
  admin,
  adminService,
  agent,
];
