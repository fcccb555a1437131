/**
 * What the rendered manifests assume. The committed YAML (infra/deploy/k8s/) uses these
 * defaults; operators change them with a kustomize overlay (docs/deploy.md) rather than by hand.
 */
export const settings = {
  namespace: "gantry",
  /** One image for every service (infra/deploy/Dockerfile, target `runtime`). */
  image: "gantry:latest",
  /** The agent's image (target `agent`: adds Python for Cog's classic server). */
  agentImage: "gantry-agent:latest",
  natsImage: "nats:2.10-alpine",
  /** Cluster DNS suffix of the namespace's services. */
  clusterDomain: "cluster.local",
  natsReplicas: 3,
  /** Each NATS node's JetStream volume. */
  natsStorage: "20Gi",
  /** The API's public origin (URLs in webhooks, output files). */
  publicUrl: "https://api.gantry.example.com",
  /** GPUs each agent takes: all of a node's, since one agent per host manages them together. */
  gpusPerAgent: 1,
  gatewayPort: 8787,
  adminPort: 8790,
  /** The agent's listener for its model servers' webhooks and uploads (loopback only). */
  agentPort: 7070,
  /** UID/GID of the `gantry` user in the image. */
  uid: 10001,
} as const;

export const ns = settings.namespace;
/** The NATS nodes' stable names: `nats-0.nats.gantry.svc.cluster.local` and so on. */
export const natsHosts = Array.from(
  { length: settings.natsReplicas },
  (_, i) => `nats-${i}.nats.${ns}.svc.${settings.clusterDomain}`,
);
/** What services connect to: every node, over TLS (certificates name these hosts). */
export const natsUrl = natsHosts.map((h) => `tls://${h}:4222`).join(",");
