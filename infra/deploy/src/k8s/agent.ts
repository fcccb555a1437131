import type { DaemonSet } from "kubernetes-types/apps/v1";
import { containerSecurity, labels, meta, natsIdentity, natsProbeCommand, podSecurity, selector } from "./common.ts";
import { shared, signingSecret } from "./config.ts";
import { settings } from "./settings.ts";

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
        // On SIGTERM the agent drains: it takes nothing new and lets the predictions it holds end,
        // up to GANTRY_AGENT_DRAIN_MS (the 30-minute prediction timeout), then stops its servers.
        terminationGracePeriodSeconds: 1860,
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
              // No GANTRY_AGENT_ID: the pod's name is the agent's id (node names may hold dots, which
              // agent ids may not), and its state lives exactly as long as the pod.
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
