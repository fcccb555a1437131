import type { Deployment } from "kubernetes-types/apps/v1";
import type { Job } from "kubernetes-types/batch/v1";
import type { EnvVar, Namespace, Service } from "kubernetes-types/core/v1";
import { agent } from "./agent.ts";
import { labels, meta, natsIdentity, natsProbeCommand, podSecurity, selector, serviceContainer } from "./common.ts";
import { config, retention, shared } from "./config.ts";
import { gatewayObjects } from "./gateway.ts";
import { ns, settings } from "./settings.ts";

export const namespace: Namespace = {
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name: ns, labels: { "app.kubernetes.io/part-of": "gantry" } },
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

export const gantryObjects = [config, provision, ...gatewayObjects, scheduler, billing, admin, adminService, agent];
