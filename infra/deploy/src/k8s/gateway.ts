import type { Deployment } from "kubernetes-types/apps/v1";
import type { HorizontalPodAutoscaler } from "kubernetes-types/autoscaling/v2";
import type { Service } from "kubernetes-types/core/v1";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1";
import { labels, meta, natsIdentity, podSecurity, selector, serviceContainer } from "./common.ts";
import { shared, signingSecret } from "./config.ts";
import { settings } from "./settings.ts";

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

export const gatewayObjects = [gateway, gatewayService, gatewayAutoscaler, gatewayDisruptionBudget];
