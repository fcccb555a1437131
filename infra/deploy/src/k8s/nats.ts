import type { StatefulSet } from "kubernetes-types/apps/v1";
import type { ConfigMap, Service } from "kubernetes-types/core/v1";
import type { NetworkPolicy } from "kubernetes-types/networking/v1";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1";
import { containerSecurity, labels, meta, selector } from "./common.ts";
import { natsHosts, ns, settings } from "./settings.ts";

/**
 * The JetStream cluster: a StatefulSet of `settings.natsReplicas` nodes with a volume each, a
 * headless Service giving every node a stable DNS name, TLS on client, WebSocket and route
 * listeners (infra/nats/cluster, as a template), nkey users from `npm run nats:secrets`.
 * Values in `$NAME` form are the container's environment (nats-server reads them at start).
 */
export const natsConf = `# Rendered by infra/deploy/src/k8s/nats.ts. One file for every node: what differs per node
# (its name, its certificate, the address it advertises) comes from the pod's environment.
server_name: $POD_NAME
listen: 0.0.0.0:4222
# Monitoring and health (kubelet probes); keep port 8222 off any Service.
http: 0.0.0.0:8222
# Clients learn the other nodes by these names, which the certificates carry (not pod IPs).
client_advertise: $CLIENT_ADVERTISE
lame_duck_duration: 30s

tls {
  cert_file: $TLS_CERT
  key_file: $TLS_KEY
  ca_file: "/etc/nats/ca.pem"
  timeout: 2
}

jetstream {
  store_dir: "/data/jetstream"
  max_file_store: 18GB
  # nats-server >= 2.10: fsync every write (streams hold money and predictions).
  sync_interval: always
}

# The workerd gateway (wrangler deploy) reaches NATS over WebSocket, when exposed (docs/deploy.md).
websocket {
  listen: 0.0.0.0:8443
  tls {
    cert_file: $TLS_CERT
    key_file: $TLS_KEY
  }
}

cluster {
  name: gantry
  listen: 0.0.0.0:6222
  advertise: $CLUSTER_ADVERTISE
  tls {
    cert_file: $TLS_CERT
    key_file: $TLS_KEY
    ca_file: "/etc/nats/ca.pem"
    verify: true
    timeout: 2
  }
  # The route user's password and the routes to every node (npm run nats:secrets).
  include "routes.conf"
}

# The GANTRY account: one nkey user per service, each with its permissions.
include "accounts.conf"
`;

const domain = `nats.${ns}.svc.${settings.clusterDomain}`;

export const natsConfigMap: ConfigMap = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: meta("nats-config", "nats"),
  data: { "nats.conf": natsConf },
};

/** Headless: a stable DNS name per node, published before the node is ready so routes can form. */
export const natsService: Service = {
  apiVersion: "v1",
  kind: "Service",
  metadata: meta("nats"),
  spec: {
    clusterIP: "None",
    publishNotReadyAddresses: true,
    selector: selector("nats"),
    ports: [
      { name: "client", port: 4222, targetPort: "client" },
      { name: "cluster", port: 6222, targetPort: "cluster" },
      { name: "websocket", port: 8443, targetPort: "websocket" },
    ],
  },
};

export const natsStatefulSet: StatefulSet = {
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: meta("nats"),
  spec: {
    serviceName: "nats",
    replicas: settings.natsReplicas,
    // All nodes start together: a JetStream cluster needs a quorum before any is healthy.
    podManagementPolicy: "Parallel",
    selector: { matchLabels: selector("nats") },
    template: {
      metadata: { labels: labels("nats") },
      spec: {
        terminationGracePeriodSeconds: 60,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 1000,
          runAsGroup: 1000,
          fsGroup: 1000,
          seccompProfile: { type: "RuntimeDefault" },
        },
        // One node per Kubernetes node where possible: losing a machine loses one replica.
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: selector("nats") },
          },
        ],
        containers: [
          {
            name: "nats",
            image: settings.natsImage,
            args: ["--config", "/etc/nats/nats.conf"],
            env: [
              { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              { name: "CLIENT_ADVERTISE", value: `$(POD_NAME).${domain}:4222` },
              { name: "CLUSTER_ADVERTISE", value: `$(POD_NAME).${domain}:6222` },
              { name: "TLS_CERT", value: `/etc/nats/$(POD_NAME).${domain}.pem` },
              { name: "TLS_KEY", value: `/etc/nats/$(POD_NAME).${domain}.key` },
            ],
            ports: [
              { name: "client", containerPort: 4222 },
              { name: "cluster", containerPort: 6222 },
              { name: "websocket", containerPort: 8443 },
              { name: "monitor", containerPort: 8222 },
            ],
            resources: {
              requests: { cpu: "500m", memory: "1Gi" },
              limits: { memory: "2Gi" },
            },
            securityContext: containerSecurity,
            volumeMounts: [
              { name: "config", mountPath: "/etc/nats", readOnly: true },
              { name: "data", mountPath: "/data" },
            ],
            startupProbe: {
              httpGet: { path: "/healthz", port: "monitor" },
              periodSeconds: 5,
              failureThreshold: 90,
            },
            livenessProbe: {
              httpGet: { path: "/healthz?js-enabled-only=true", port: "monitor" },
              periodSeconds: 30,
              timeoutSeconds: 5,
              failureThreshold: 3,
            },
            readinessProbe: {
              httpGet: { path: "/healthz?js-server-only=true", port: "monitor" },
              periodSeconds: 10,
              timeoutSeconds: 5,
              failureThreshold: 3,
            },
            // Lame duck: clients move to the other nodes before this one stops (nats-server is PID 1).
            lifecycle: { preStop: { exec: { command: ["sh", "-c", "nats-server --signal ldm=1 && sleep 30"] } } },
          },
        ],
        volumes: [
          {
            name: "config",
            projected: {
              defaultMode: 0o440,
              sources: [
                { configMap: { name: "nats-config" } },
                // Public nkeys and permissions (npm run nats:secrets: accounts.conf).
                { secret: { name: "nats-accounts" } },
                // routes.conf: the route password and the routes to every node.
                { secret: { name: "nats-routes" } },
                // ca.pem and every node's <host>.pem/.key (never ca.key).
                { secret: { name: "nats-tls" } },
              ],
            },
          },
        ],
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: "data", labels: labels("nats") },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: settings.natsStorage } },
        },
      },
    ],
  },
};

/** Voluntary evictions (node drains) take one node at a time: the cluster keeps its quorum. */
export const natsDisruptionBudget: PodDisruptionBudget = {
  apiVersion: "policy/v1",
  kind: "PodDisruptionBudget",
  metadata: meta("nats"),
  spec: { maxUnavailable: 1, selector: { matchLabels: selector("nats") } },
};

/**
 * Only Gantry's own pods reach NATS (clients, WebSocket, routes); monitoring (8222) is for the
 * kubelet's probes, which policies do not filter. Credentials are still required: this only
 * narrows who can try. Exposing WebSocket to the edge gateway needs a rule of your own.
 */
export const natsNetworkPolicy: NetworkPolicy = {
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: meta("nats"),
  spec: {
    podSelector: { matchLabels: selector("nats") },
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [{ podSelector: { matchLabels: { "app.kubernetes.io/part-of": "gantry" } } }],
        ports: [
          { protocol: "TCP", port: 4222 },
          { protocol: "TCP", port: 6222 },
          { protocol: "TCP", port: 8443 },
        ],
      },
    ],
  },
};

/** The hosts to pass to `npm run nats:secrets -- --hosts …` for these manifests. */
export const natsSecretHosts = natsHosts.join(",");

export const natsObjects = [natsConfigMap, natsService, natsStatefulSet, natsDisruptionBudget, natsNetworkPolicy];
